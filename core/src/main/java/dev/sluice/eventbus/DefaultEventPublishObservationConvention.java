package dev.sluice.eventbus;

import io.micrometer.common.KeyValues;
import org.jspecify.annotations.Nullable;

import dev.sluice.eventbus.EventBusObservation.LowCardinalityKeyNames;

/**
 * The default naming of a publish's observation: {@code sluice.event.publish}, contextual
 * name (the span's) {@code publish <topic>}, low-cardinality tags
 * {@code sluice.event-bus}, {@code sluice.topic} and {@code outcome} ({@code success},
 * {@code refused} when a subscriber refused the event or the bus was shut down, or
 * {@code error}). Stateless; extend it to add tags.
 */
public class DefaultEventPublishObservationConvention implements EventPublishObservationConvention {

	/** The shared instance. */
	public static final DefaultEventPublishObservationConvention INSTANCE = new DefaultEventPublishObservationConvention();

	@Override
	public String getName() {
		return "sluice.event.publish";
	}

	@Override
	public String getContextualName(EventPublishContext context) {
		return "publish " + context.getTopic();
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(EventPublishContext context) {
		return KeyValues.of(LowCardinalityKeyNames.EVENT_BUS.withValue(context.getEventBus()),
				LowCardinalityKeyNames.TOPIC.withValue(context.getTopic()),
				LowCardinalityKeyNames.OUTCOME.withValue(outcome(context.getError())));
	}

	/** {@code success}, {@code refused} or {@code error}. */
	protected String outcome(@Nullable Throwable error) {
		if (error == null) {
			return "success";
		}
		return (error instanceof EventRejectedException) ? "refused" : "error";
	}

}
