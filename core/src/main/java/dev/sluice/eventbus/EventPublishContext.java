package dev.sluice.eventbus;

import java.util.Map;
import java.util.Objects;

import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.SenderContext;
import org.jspecify.annotations.Nullable;

/**
 * The context of a publish's observation ({@link EventBusObservation#PUBLISH}): a
 * producer's sender context whose carrier is the event's headers, which a propagating
 * tracing handler writes the trace context into as the observation starts. Made by the
 * publishing thread, one per publish.
 */
public class EventPublishContext extends SenderContext<Map<String, String>> {

	private final String eventBus;

	private final String topic;

	private final Object event;

	private final @Nullable String eventId;

	/**
	 * A publish's context; {@code headers} is the carrier, written while the observation
	 * starts.
	 */
	public EventPublishContext(String eventBus, String topic, Object event, @Nullable String eventId,
			Map<String, String> headers) {
		super((carrier, key, value) -> {
			if (carrier != null) {
				carrier.put(key, value);
			}
		}, Kind.PRODUCER);
		this.eventBus = Objects.requireNonNull(eventBus, "eventBus");
		this.topic = Objects.requireNonNull(topic, "topic");
		this.event = Objects.requireNonNull(event, "event");
		this.eventId = eventId;
		setCarrier(headers);
	}

	/** The name of the bus that publishes. */
	public String getEventBus() {
		return this.eventBus;
	}

	/** The topic published to. */
	public String getTopic() {
		return this.topic;
	}

	/** The event. */
	public Object getEvent() {
		return this.event;
	}

	/** The publisher's id for the event, if it gave one. */
	public @Nullable String getEventId() {
		return this.eventId;
	}

}
