package dev.sluice.eventbus;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and tags a delivery's observation; implement it to change them
 * ({@link DefaultEventDeliveryObservationConvention} is the default, and a good base).
 */
public interface EventDeliveryObservationConvention extends ObservationConvention<EventDeliveryContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof EventDeliveryContext;
	}

}
