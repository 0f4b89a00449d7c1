package dev.sluice.eventbus;

import java.util.Map;
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
 * <li><b>Headers</b>: what travels with the event besides it: the trace context
 * ({@code traceparent}, {@code tracestate}, {@code baggage}) that the publisher's
 * observation wrote, on a bus with an {@code ObservationRegistry}
 * ({@link EventBus.Builder#observationRegistry}); empty otherwise. The same for every
 * subscriber and every attempt (with Redis, stored in the stream entry).</li>
 * </ul>
 *
 * <p>
 * Immutable. The current delivery is a thread-local set around each handler call and
 * removed after it, so it is {@code null} outside handlers and in threads a handler
 * starts.
 *
 * @param id the event's id, never blank
 * @param attempt which delivery of the event this is, from 1
 * @param headers what travels with the event, unmodifiable; empty if nothing does
 */
public record Delivery(String id, int attempt, Map<String, String> headers) {

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
		// the same instance when it is already unmodifiable (Map.of(), a decoded entry's)
		headers = Map.copyOf(headers);
	}

	/** A delivery with no headers. */
	public Delivery(String id, int attempt) {
		this(id, attempt, Map.of());
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
	static class Carried {

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
				delivery = new Delivery(this.prefix + Long.toString(this.sequence, 36), 1, headers());
				this.delivery = delivery;
			}
			return delivery;
		}

		/** The event's headers, without making its delivery. */
		Map<String, String> headers() {
			Delivery delivery = this.delivery;
			return (delivery != null) ? delivery.headers() : Map.of();
		}

		/**
		 * The observation of the publish in this process, the parent of each delivery's;
		 * {@code null} for an event from elsewhere or a bus that does not observe.
		 */
		@Nullable Object publish() {
			return null;
		}

	}

	/**
	 * An event published in this process by a bus that observes: its headers and its
	 * publish's observation go with it to every subscriber (a subclass, so that the
	 * events of a bus that does not observe stay as small as they were).
	 */
	static final class Observed extends Carried {

		private final Map<String, String> headers;

		private final Object publish;

		Observed(Object event, Delivery delivery, Object publish) {
			super(event, delivery);
			this.headers = delivery.headers();
			this.publish = publish;
		}

		Observed(Object event, String prefix, long sequence, Map<String, String> headers, Object publish) {
			super(event, prefix, sequence);
			this.headers = headers;
			this.publish = publish;
		}

		@Override
		Map<String, String> headers() {
			return this.headers;
		}

		@Override
		Object publish() {
			return this.publish;
		}

	}

}
