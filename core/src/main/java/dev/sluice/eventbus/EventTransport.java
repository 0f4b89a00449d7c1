package dev.sluice.eventbus;

import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

/**
 * Carries a published event to where its subscribers are: the boundary inside the
 * {@link EventBus} that lets a transport between instances (Redis, say) take the place of
 * the in-process one without changing the bus's API.
 *
 * <p>
 * A transport hands events for plain subscribers to {@link LocalDelivery#deliver} on
 * every instance that should see them (broadcast). Subscribers that belong to a group
 * ({@link SubscriberOptions#group()}) are the transport's own: it may share each event
 * among the group's members on all instances ({@link #subscribeGroup}).
 *
 * <p>
 * The bus drives the transport's shutdown from its own: {@link #stopIntake()} when the
 * bus stops taking events, then {@link #awaitDrained} and, if that runs out,
 * {@link #abandonRemaining()}. Implementations must be thread-safe.
 */
public interface EventTransport {

	/**
	 * Sends the event on its way.
	 * @param local hands the event to this process's subscribers
	 * @return what the publish did, as far as this process can tell
	 */
	PublishResult send(String topic, Object event, LocalDelivery local) throws InterruptedException;

	/**
	 * Sends an event that its publisher gave an id ({@link Delivery#id()}): a transport
	 * between instances carries the id with the event. By default, the event is sent as
	 * any other, and {@code local} hands it to this process's subscribers with the id.
	 */
	default PublishResult send(String topic, Object event, String eventId, LocalDelivery local)
			throws InterruptedException {
		return send(topic, event, local);
	}

	/**
	 * Sends an event with headers to carry with it (the trace context of the publish's
	 * observation, on a bus that observes): a transport between instances stores them
	 * with the event and hands them over with its {@link Delivery}
	 * ({@link Delivery#headers()}). By default the headers stay behind and the event is
	 * sent as any other, with its id if it has one.
	 * @param eventId the publisher's id for the event, or {@code null}
	 * @param headers unmodifiable; may be empty
	 */
	default PublishResult send(String topic, Object event, @Nullable String eventId, Map<String, String> headers,
			LocalDelivery local) throws InterruptedException {
		return (eventId != null) ? send(topic, event, eventId, local) : send(topic, event, local);
	}

	/**
	 * Called once per topic, when it gets its first subscriber in this process: a
	 * transport between instances starts receiving the topic here, and hands what it
	 * receives to {@code local}.
	 */
	default void open(String topic, LocalDelivery local) {
	}

	/**
	 * Subscribes a member of a group of competing consumers, each event of the topic
	 * going to one member of the group.
	 * @return the subscription, or {@code null} if this transport has no groups: the bus
	 * then serves the subscriber itself, as the only member of its group
	 */
	default <E> @Nullable Subscription subscribeGroup(String topic, Class<E> type, Consumer<? super E> handler,
			SubscriberOptions options) {
		return null;
	}

	/**
	 * Stops receiving events from elsewhere; the bus already refuses publishes. Does not
	 * block.
	 */
	default void stopIntake() {
	}

	/**
	 * Waits until the events this transport took on are handled, or the timeout passes.
	 */
	default boolean awaitDrained(Duration timeout) throws InterruptedException {
		return true;
	}

	/**
	 * Gives up on what is not handled yet; returns how many events that was in this
	 * process.
	 */
	default int abandonRemaining() {
		return 0;
	}

	/** The in-process transport: events go straight to this process's subscribers. */
	static EventTransport inMemory() {
		return (topic, event, local) -> local.deliver(topic, event);
	}

	/** Hands an event to the subscribers of one process. */
	@FunctionalInterface
	interface LocalDelivery {

		PublishResult deliver(String topic, Object event) throws InterruptedException;

		/**
		 * Hands the event over with its id, attempt and headers, which its handlers see
		 * as {@link Delivery#current()}; by default, as {@link #deliver(String, Object)}
		 * does, with an id made here.
		 */
		default PublishResult deliver(String topic, Object event, Delivery delivery) throws InterruptedException {
			return deliver(topic, event);
		}

	}

}
