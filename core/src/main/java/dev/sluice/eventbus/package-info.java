/**
 * The event bus: in-process publish/subscribe on named topics with a bounded buffer and
 * an overflow policy per subscriber, a shared set of dispatcher threads, and exact
 * accounting ({@link dev.sluice.eventbus.EventBus}).
 */
@NullMarked
package dev.sluice.eventbus;

import org.jspecify.annotations.NullMarked;
