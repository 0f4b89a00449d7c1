package dev.sluice;

import java.time.Duration;

/**
 * How many keys a keyed rate limiter or bulkhead keeps, and how long an unused key is
 * kept: the bound on the memory of {@code forKey}. Immutable; every value is checked when
 * it is built.
 *
 * <p>
 * A key that has not been asked for during {@code idleTimeout} is evicted, and comes back
 * as new (a full bucket, all permits free) when it is asked for again. When more than
 * {@code max} keys are live, the least recently used are evicted. A bulkhead never evicts
 * a key whose permits are held (so that a key never has two semaphores), so while more
 * than {@code max} keys hold permits at once, it keeps them all.
 *
 * @param max the most keys kept; at least 1 and at most {@value #MAX_KEYS}
 * @param idleTimeout how long an unused key is kept; positive and at most 365 days
 */
public record KeyLimits(int max, Duration idleTimeout) {

	/** The most keys that may be configured. */
	public static final int MAX_KEYS = 10_000_000;

	/** Default {@code max}. */
	public static final int DEFAULT_MAX = 10_000;

	/** Default {@code idleTimeout}. */
	public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(10);

	private static final Duration MAX_IDLE_TIMEOUT = Duration.ofDays(365);

	public KeyLimits {
		if (max < 1 || max > MAX_KEYS) {
			throw new InvalidSettingException("keys.max", max,
					"keys.max must be between 1 and " + MAX_KEYS + ", was " + max);
		}
		if (idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero()
				|| idleTimeout.compareTo(MAX_IDLE_TIMEOUT) > 0) {
			throw new InvalidSettingException("keys.idle-timeout", idleTimeout,
					"keys.idle-timeout must be a positive duration of at most " + MAX_IDLE_TIMEOUT.toDays()
							+ " days (such as 10m), was " + idleTimeout);
		}
	}

	/** At most {@value #DEFAULT_MAX} keys, each kept 10 minutes after its last use. */
	public static KeyLimits defaults() {
		return new KeyLimits(DEFAULT_MAX, DEFAULT_IDLE_TIMEOUT);
	}

}
