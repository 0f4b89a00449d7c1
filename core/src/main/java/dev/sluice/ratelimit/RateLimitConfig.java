package dev.sluice.ratelimit;

import java.time.Duration;

/**
 * Immutable settings of one {@link RateLimiter}, described as a token bucket: {@code rate} permits
 * every {@code per}, at most {@code burst} at once, and callers wait up to {@code timeout}.
 *
 * <p>The limiter runs on resilience4j's {@code AtomicRateLimiter}, which hands out a fixed number of
 * permits per refresh period instead of refilling continuously. The mapping keeps the average rate
 * and the burst: {@code limitForPeriod = burst} and
 * {@code limitRefreshPeriod = per × burst / rate}. So {@code rate: 100, per: 1s, burst: 20} gives 20
 * permits every 200ms. Where it differs from a classic token bucket (Go's
 * {@code golang.org/x/time/rate}): permits come back all at once at the start of a period, not one
 * by one; and a caller who uses a whole burst just before a period ends can use another whole burst
 * just after it, so a short window may see up to {@code 2 × burst}.
 *
 * @param rate permits per {@code per}; at least 1
 * @param per the period of {@code rate}; positive
 * @param burst permits available at once; at least 1
 * @param timeout how long a caller waits for a permit by default; zero means it fails at once
 */
public record RateLimitConfig(int rate, Duration per, int burst, Duration timeout) {

	public RateLimitConfig {
		if (rate < 1) {
			throw new IllegalArgumentException("rate must be at least 1, was " + rate);
		}
		if (per == null || per.isNegative() || per.isZero()) {
			throw new IllegalArgumentException("per must be a positive duration (such as 1s or 1m), was " + per);
		}
		if (burst < 1) {
			throw new IllegalArgumentException("burst must be at least 1, was " + burst);
		}
		if (timeout == null || timeout.isNegative()) {
			throw new IllegalArgumentException(
					"timeout must be a duration of zero or more (such as 0, 100ms or 2s), was " + timeout);
		}
		if (refreshNanos(rate, per, burst) < 1) {
			throw new IllegalArgumentException("rate must be at most " + burst + " per nanosecond, was " + rate
					+ " per " + per);
		}
	}

	/** {@code rate} permits per second, a burst of {@code rate}, and callers that never wait. */
	public static RateLimitConfig perSecond(int rate) {
		return new RateLimitConfig(rate, Duration.ofSeconds(1), rate, Duration.ZERO);
	}

	/** A copy with another burst. */
	public RateLimitConfig withBurst(int burst) {
		return new RateLimitConfig(this.rate, this.per, burst, this.timeout);
	}

	/** A copy with another default timeout. */
	public RateLimitConfig withTimeout(Duration timeout) {
		return new RateLimitConfig(this.rate, this.per, this.burst, timeout);
	}

	/** A copy with another rate, keeping {@code per}, burst and timeout. */
	public RateLimitConfig withRate(int rate) {
		return new RateLimitConfig(rate, this.per, this.burst, this.timeout);
	}

	/** The resilience4j refresh period that this config maps to. */
	public Duration refreshPeriod() {
		return Duration.ofNanos(refreshNanos(this.rate, this.per, this.burst));
	}

	private static long refreshNanos(int rate, Duration per, int burst) {
		return java.math.BigInteger.valueOf(per.toNanos())
			.multiply(java.math.BigInteger.valueOf(burst))
			.divide(java.math.BigInteger.valueOf(rate))
			.min(java.math.BigInteger.valueOf(Long.MAX_VALUE))
			.longValueExact();
	}
}
