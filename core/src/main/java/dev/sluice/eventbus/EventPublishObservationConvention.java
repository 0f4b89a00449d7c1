package dev.sluice.eventbus;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and tags a publish's observation; implement it to change them
 * ({@link DefaultEventPublishObservationConvention} is the default, and a good base).
 */
public interface EventPublishObservationConvention extends ObservationConvention<EventPublishContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof EventPublishContext;
	}

}
