package dev.sluice.eventbus;

import java.util.Map;
import java.util.Objects;

import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.ReceiverContext;

/**
 * The context of a delivery's observation ({@link EventBusObservation#DELIVERY}): a
 * consumer's receiver context whose carrier is the event's headers as they arrived (from
 * the publish in this process, or from the stream entry with Redis), from which a
 * propagating tracing handler reads the publisher's trace context. Made by the thread
 * that runs the handler, one per subscriber and delivery.
 */
public class EventDeliveryContext extends ReceiverContext<Map<String, String>> {

	private final String eventBus;

	private final String topic;

	private final String subscriber;

	private final Object event;

	/** A delivery's context; {@code headers}, the carrier, is only read. */
	public EventDeliveryContext(String eventBus, String topic, String subscriber, Object event,
			Map<String, String> headers) {
		super((carrier, key) -> carrier.get(key), Kind.CONSUMER);
		this.eventBus = Objects.requireNonNull(eventBus, "eventBus");
		this.topic = Objects.requireNonNull(topic, "topic");
		this.subscriber = Objects.requireNonNull(subscriber, "subscriber");
		this.event = Objects.requireNonNull(event, "event");
		setCarrier(headers);
	}

	/** The name of the bus that delivers. */
	public String getEventBus() {
		return this.eventBus;
	}

	/** The topic. */
	public String getTopic() {
		return this.topic;
	}

	/** The subscriber's name. */
	public String getSubscriber() {
		return this.subscriber;
	}

	/** The event. */
	public Object getEvent() {
		return this.event;
	}

}
