package dev.sluice.eventbus;

import java.util.Objects;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

/**
 * The event a handler is handling, as the bus delivered it: its id and which attempt this
 * is. A handler asks for it with {@link #current()}, on its own thread, while it runs.
 *
 * <ul>
 * <li><b>Id</b>: unique per published event, and the same for every subscriber of it and
 * every attempt at it. It is the id the publisher gave
 * ({@link EventBus#publish(String, Object, String)}), else one made by the bus (in
 * process) or the transport (with Redis, the stream entry's id). A publisher that retries
 * a publish with the same id lets handlers recognise the duplicate.</li>
 * <li><b>Attempt</b>: 1 for the first delivery; a transport that delivers again (a Redis
 * group, after a handler threw or its member stopped) counts up.</li>
 * </ul>
 *
 * <p>
 * Immutable. The current delivery is a thread-local set around each handler call and
 * removed after it, so it is {@code null} outside handlers and in threads a handler
 * starts.
 *
 * @param id the event's id, never blank
 * @param attempt which delivery of the event this is, from 1
 */
public record Delivery(String id, int attempt) {

	private static final ThreadLocal<@Nullable Delivery> CURRENT = new ThreadLocal<>();

	public Delivery {
		Objects.requireNonNull(id, "id");
		if (id.isBlank()) {
			throw new IllegalArgumentException("An event id must not be blank");
		}
		if (attempt < 1) {
			throw new IllegalArgumentException("attempt must be at least 1, was " + attempt);
		}
	}

	/**
	 * The delivery the calling handler is handling, or {@code null} outside a handler.
	 */
	public static @Nullable Delivery current() {
		return CURRENT.get();
	}

	/**
	 * Calls the handler with this delivery {@linkplain #current() current}, and the one
	 * before it current again afterwards, however it ends: for transports that call
	 * handlers on threads of their own.
	 */
	public <E> void handle(Consumer<? super E> handler, E event) {
		Delivery previous = enter(this);
		try {
			handler.accept(event);
		}
		finally {
			leave(previous);
		}
	}

	/** Makes the delivery current; returns the one it replaces, for {@link #leave}. */
	static @Nullable Delivery enter(@Nullable Delivery delivery) {
		Delivery previous = CURRENT.get();
		CURRENT.set(delivery);
		return previous;
	}

	static void leave(@Nullable Delivery previous) {
		if (previous == null) {
			CURRENT.remove();
		}
		else {
			CURRENT.set(previous);
		}
	}

	/** An event on its way to the subscribers, with its delivery. */
	record Carried(Object event, Delivery delivery) {
	}

}
