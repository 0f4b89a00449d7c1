package dev.sluice.eventbus;

import io.micrometer.common.KeyValues;

import dev.sluice.eventbus.EventBusObservation.LowCardinalityKeyNames;

/**
 * The default naming of a delivery's observation: {@code sluice.event.delivery},
 * contextual name (the span's) {@code deliver <topic>}, low-cardinality tags
 * {@code sluice.event-bus}, {@code sluice.topic}, {@code sluice.subscriber} and
 * {@code outcome} ({@code success}, or {@code error} when the handler threw). Stateless;
 * extend it to add tags.
 */
public class DefaultEventDeliveryObservationConvention implements EventDeliveryObservationConvention {

	/** The shared instance. */
	public static final DefaultEventDeliveryObservationConvention INSTANCE = new DefaultEventDeliveryObservationConvention();

	@Override
	public String getName() {
		return "sluice.event.delivery";
	}

	@Override
	public String getContextualName(EventDeliveryContext context) {
		return "deliver " + context.getTopic();
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(EventDeliveryContext context) {
		return KeyValues.of(LowCardinalityKeyNames.EVENT_BUS.withValue(context.getEventBus()),
				LowCardinalityKeyNames.TOPIC.withValue(context.getTopic()),
				LowCardinalityKeyNames.SUBSCRIBER.withValue(context.getSubscriber()),
				LowCardinalityKeyNames.OUTCOME.withValue((context.getError() == null) ? "success" : "error"));
	}

}
