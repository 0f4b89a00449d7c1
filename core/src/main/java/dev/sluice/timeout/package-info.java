/**
 * Timeouts: run work with a deadline that interrupts it when it passes, and that Sluice's
 * own waits inside the work respect ({@link dev.sluice.timeout.Timeout},
 * {@link dev.sluice.timeout.Deadline}).
 */
@NullMarked
package dev.sluice.timeout;

import org.jspecify.annotations.NullMarked;
