package dev.sluice.autoconfigure.eventbus;

import dev.sluice.eventbus.EventBus;

/**
 * Adds to the event bus's builder before the bus is made: how the parts that only exist
 * on some classpaths (Micrometer Observation) reach the bus without its bean method
 * naming their types. Applied in bean order.
 */
@FunctionalInterface
interface EventBusCustomizer {

	void customize(EventBus.Builder builder);

}
