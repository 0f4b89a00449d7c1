/**
 * Auto-configuration of the event bus: the bus, its subscriber settings,
 * {@code @EventSubscriber} methods, metrics and endpoint contributor.
 */
@NullMarked
package dev.sluice.autoconfigure.eventbus;

import org.jspecify.annotations.NullMarked;
