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

	/**
	 * A {@link Delivery}, or a {@link Carried} event whose delivery is made when asked
	 * for.
	 */
	private static final ThreadLocal<@Nullable Object> CURRENT = new ThreadLocal<>();

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
		Object current = CURRENT.get();
		return (current instanceof Carried carried) ? carried.delivery() : (Delivery) current;
	}

	/**
	 * Calls the handler with this delivery {@linkplain #current() current}, and the one
	 * before it current again afterwards, however it ends: for transports that call
	 * handlers on threads of their own.
	 */
	public <E> void handle(Consumer<? super E> handler, E event) {
		Object previous = enter(this);
		try {
			handler.accept(event);
		}
		finally {
			leave(previous);
		}
	}

	/** Makes the delivery current; returns the one it replaces, for {@link #leave}. */
	/**
	 * Makes the delivery (a {@link Delivery} or a {@link Carried} event, whose delivery
	 * is made only if a handler asks for it) current; returns what was.
	 */
	static @Nullable Object enter(Object delivery) {
		Object previous = CURRENT.get();
		CURRENT.set(delivery);
		return previous;
	}

	/**
	 * Puts back what {@link #enter} returned (set, not removed: a dispatcher thread
	 * enters for every event, and a removal costs more than it saves).
	 */
	static void leave(@Nullable Object previous) {
		CURRENT.set(previous);
	}

	/**
	 * An event on its way to the subscribers, with its delivery: given, or made from the
	 * bus's prefix and count the first time a handler asks for it, so that a publish
	 * whose handlers never ask builds no id.
	 */
	static final class Carried {

		private final Object event;

		private final @Nullable String prefix;

		private final long sequence;

		/** Made at most once per handler thread that asks; a race makes equal copies. */
		private @Nullable Delivery delivery;

		Carried(Object event, Delivery delivery) {
			this.event = event;
			this.delivery = delivery;
			this.prefix = null;
			this.sequence = 0;
		}

		Carried(Object event, String prefix, long sequence) {
			this.event = event;
			this.prefix = prefix;
			this.sequence = sequence;
		}

		Object event() {
			return this.event;
		}

		Delivery delivery() {
			Delivery delivery = this.delivery;
			if (delivery == null) {
				delivery = new Delivery(this.prefix + Long.toString(this.sequence, 36), 1);
				this.delivery = delivery;
			}
			return delivery;
		}

	}

}
