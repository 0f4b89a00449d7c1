package dev.sluice.eventbus;

import java.util.Map;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

/**
 * What a bus that observes does around each publish and each delivery. Its one
 * implementation ({@link MicrometerEventObserver}) is made only when the bus is given an
 * {@code ObservationRegistry}, and no other class of the bus refers to Micrometer
 * Observation, so a bus without a registry neither loads it nor needs it on the class
 * path; for such a bus the observer is {@code null} and the publish and delivery paths
 * stay as they were.
 */
interface EventObserver {

	/**
	 * Observes a publish: {@code send} gets the headers to carry with the event (the
	 * trace context, written when the publish's observation started) and the publish's
	 * observation, the parent of the deliveries in this process.
	 */
	PublishResult publish(String topic, Object event, @Nullable String eventId, Send send) throws InterruptedException;

	/**
	 * Observes one delivery to one subscriber: runs the handler on the calling thread and
	 * rethrows what it throws.
	 * @param headers the event's headers, whose trace context the delivery continues
	 * @param publish the publish's observation when it was made in this process, else
	 * {@code null}
	 */
	void deliver(String topic, String subscriber, Object event, Map<String, String> headers, @Nullable Object publish,
			Consumer<Object> handler);

	/** The publish itself, given what to carry. */
	@FunctionalInterface
	interface Send {

		PublishResult send(Map<String, String> headers, @Nullable Object publish) throws InterruptedException;

	}

}
