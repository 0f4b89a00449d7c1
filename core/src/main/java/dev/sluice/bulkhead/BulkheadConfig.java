package dev.sluice.bulkhead;

import java.time.Duration;

import dev.sluice.InvalidSettingException;

/**
 * Immutable settings of one {@link Bulkhead}; every value is checked when the config is
 * built.
 *
 * @param permits how many permits exist; at least 1
 * @param fair whether waiting callers are served first come, first served; an unfair
 * bulkhead lets a newcomer take a permit that has just been released, which is faster
 * @param acquireTimeout how long an acquire waits for permits by default; zero means it
 * fails at once
 */
public record BulkheadConfig(int permits, boolean fair, Duration acquireTimeout) {

	/** Default number of permits. */
	public static final int DEFAULT_PERMITS = 10;

	public BulkheadConfig {
		if (permits < 1) {
			throw new InvalidSettingException("permits", permits, "permits must be at least 1, was " + permits);
		}
		if (acquireTimeout == null || acquireTimeout.isNegative()) {
			throw new InvalidSettingException("acquire-timeout", acquireTimeout,
					"acquire-timeout must be a duration of zero or more (such as 0, 200ms or 2s), was "
							+ acquireTimeout);
		}
	}

	/**
	 * The given number of permits, unfair, and acquires that fail at once when none is
	 * free.
	 */
	public static BulkheadConfig ofPermits(int permits) {
		return new BulkheadConfig(permits, false, Duration.ZERO);
	}

	/** A copy with another fairness. */
	public BulkheadConfig withFair(boolean fair) {
		return new BulkheadConfig(this.permits, fair, this.acquireTimeout);
	}

	/** A copy with another default acquire timeout. */
	public BulkheadConfig withAcquireTimeout(Duration acquireTimeout) {
		return new BulkheadConfig(this.permits, this.fair, acquireTimeout);
	}
}
