/**
 * Semaphores (bulkheads): named, weighted limits on concurrent work, with timeouts,
 * metrics and a permit that try-with-resources releases exactly once
 * ({@link dev.sluice.bulkhead.Bulkhead}).
 */
@NullMarked
package dev.sluice.bulkhead;

import org.jspecify.annotations.NullMarked;
