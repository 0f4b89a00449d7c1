package dev.sluice.eventbus;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

/**
 * Observes a bus's publishes and deliveries with Micrometer Observation
 * ({@link EventBusObservation}); the only class of the bus that starts observations, made
 * only for a bus given a registry. Thread-safe: it holds nothing per event.
 */
final class MicrometerEventObserver implements EventObserver {

	private final String bus;

	private final ObservationRegistry registry;

	private final @Nullable EventPublishObservationConvention publishConvention;

	private final @Nullable EventDeliveryObservationConvention deliveryConvention;

	MicrometerEventObserver(String bus, ObservationRegistry registry,
			@Nullable EventPublishObservationConvention publishConvention,
			@Nullable EventDeliveryObservationConvention deliveryConvention) {
		this.bus = bus;
		this.registry = registry;
		this.publishConvention = publishConvention;
		this.deliveryConvention = deliveryConvention;
	}

	@Override
	public PublishResult publish(String topic, Object event, @Nullable String eventId, Send send)
			throws InterruptedException {
		// the carrier: a tracing handler writes the trace context into it as the
		// observation starts
		Map<String, String> carrier = new HashMap<>(4);
		EventPublishContext context = new EventPublishContext(this.bus, topic, event, eventId, carrier);
		Observation observation = EventBusObservation.PUBLISH
			.observation(this.publishConvention, DefaultEventPublishObservationConvention.INSTANCE, () -> context,
					this.registry)
			.start();
		try (Observation.Scope scope = observation.openScope()) {
			return send.send(Map.copyOf(carrier), observation.isNoop() ? null : observation);
		}
		catch (Throwable ex) {
			observation.error(ex);
			throw ex;
		}
		finally {
			observation.stop();
		}
	}

	@Override
	public void deliver(String topic, String subscriber, Object event, Map<String, String> headers,
			@Nullable Object publish, Consumer<Object> handler) {
		EventDeliveryContext context = new EventDeliveryContext(this.bus, topic, subscriber, event, headers);
		Observation observation = EventBusObservation.DELIVERY.observation(this.deliveryConvention,
				DefaultEventDeliveryObservationConvention.INSTANCE, () -> context, this.registry);
		if (publish != null) {
			// in this process the publish is the parent, whatever the dispatcher thread
			// has current
			observation.parentObservation((Observation) publish);
		}
		observation.observe(() -> handler.accept(event));
	}

}
