package dev.sluice.bulkhead;

import java.time.Duration;

/**
 * A point-in-time view of a {@link Bulkhead}. Counters are cumulative; the values are
 * read without a lock, so they may be slightly out of step with each other.
 *
 * @param name the bulkhead's name
 * @param permits the current limit
 * @param available permits free now
 * @param inUse permits held now
 * @param waiting callers waiting for permits now (an estimate, as the JDK's own)
 * @param waited acquires that had to wait, whether they got permits or not
 * @param waitTime total time spent by those acquires
 * @param rejected acquires that got no permit
 * @param shutdown whether the bulkhead has shut down
 * @param keys keys live now ({@link Bulkhead#forKey}); {@code available}, {@code inUse}
 * and {@code waiting} are the bulkhead's own semaphore, while {@code waited},
 * {@code waitTime} and {@code rejected} count its keys' acquires too
 */
public record BulkheadStats(String name, int permits, int available, int inUse, int waiting, long waited,
		Duration waitTime, long rejected, boolean shutdown, int keys) {
}
