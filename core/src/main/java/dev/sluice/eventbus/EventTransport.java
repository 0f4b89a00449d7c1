package dev.sluice.eventbus;

/**
 * Carries a published event to where its subscribers are: the boundary inside the {@link EventBus}
 * that lets a transport between instances (Redis, say) take the place of the in-process one without
 * changing the bus's API. A transport calls {@link LocalDelivery#deliver} on every instance that
 * should hand the event to its local subscribers.
 */
public interface EventTransport {

	/**
	 * Sends the event on its way.
	 * @param local hands the event to this process's subscribers
	 * @return what the publish did, as far as this process can tell
	 */
	PublishResult send(String topic, Object event, LocalDelivery local) throws InterruptedException;

	/** The in-process transport: events go straight to this process's subscribers. */
	static EventTransport inMemory() {
		return (topic, event, local) -> local.deliver(topic, event);
	}

	/** Hands an event to the subscribers of one process. */
	@FunctionalInterface
	interface LocalDelivery {

		PublishResult deliver(String topic, Object event) throws InterruptedException;
	}
}
