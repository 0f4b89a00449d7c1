package dev.sluice.ratelimit;

import java.math.BigInteger;
import java.time.Duration;

import dev.sluice.InvalidSettingException;

/**
 * Immutable settings of one {@link RateLimiter}, described as a token bucket:
 * {@code rate} permits every {@code per}, at most {@code burst} at once, and callers wait
 * up to {@code timeout}.
 *
 * <p>
 * The limiter runs on resilience4j's {@code AtomicRateLimiter}, which hands out a fixed
 * number of permits per refresh period instead of refilling continuously. The mapping
 * keeps the average rate and the burst: {@code limitForPeriod = burst} and
 * {@code limitRefreshPeriod = per × burst / rate}. So
 * {@code rate: 100, per: 1s, burst: 20} gives 20 permits every 200ms. Where it differs
 * from a classic token bucket (Go's {@code golang.org/x/time/rate}): permits come back
 * all at once at the start of a period, not one by one; and a caller who uses a whole
 * burst just before a period ends can use another whole burst just after it, so a short
 * window may see up to {@code 2 × burst}. The keys of a limiter
 * ({@link RateLimiter#forKey}) keep the same periods in a leaner store of their own.
 *
 * @param rate permits per {@code per}; at least 1, and at most {@code min(burst, 4)} per
 * nanosecond
 * @param per the period of {@code rate}; positive and at most 365 days
 * @param burst permits available at once; at least 1, and refilled whole at least once in
 * about 73 years ({@code per × burst / rate})
 * @param timeout how long a caller waits for a permit by default; zero means it fails at
 * once
 */
public record RateLimitConfig(int rate, Duration per, int burst, Duration timeout) {

	/** Longest {@code per}. */
	public static final Duration MAX_PER = Duration.ofDays(365);

	/**
	 * Longest refill period ({@code per × burst / rate}) that resilience4j's arithmetic
	 * in nanoseconds handles without overflow: about 73 years.
	 */
	static final long MAX_REFRESH_NANOS = Long.MAX_VALUE / 4;

	/** Most permits per nanosecond, whatever the burst. */
	private static final int MAX_PER_NANOSECOND = 4;

	public RateLimitConfig {
		if (rate < 1) {
			throw new InvalidSettingException("rate", rate, "rate must be at least 1, was " + rate);
		}
		if (per == null || per.isNegative() || per.isZero() || per.compareTo(MAX_PER) > 0) {
			throw new InvalidSettingException("per", per, "per must be a positive duration of at most "
					+ MAX_PER.toDays() + " days (such as 1s or 1m), was " + per);
		}
		if (burst < 1) {
			throw new InvalidSettingException("burst", burst, "burst must be at least 1, was " + burst);
		}
		if (timeout == null || timeout.isNegative()) {
			throw new InvalidSettingException("timeout", timeout,
					"timeout must be a duration of zero or more (such as 0, 100ms or 2s), was " + timeout);
		}
		// at most a burst per nanosecond (a refill period of at least 1ns), and at most a
		// few per
		// nanosecond, or resilience4j's count of the permits refilled while it sits idle
		// overflows
		// (per is at most a year, so these products fit in a long)
		long perNanosecond = Math.min(burst, MAX_PER_NANOSECOND);
		if (rate > per.toNanos() * perNanosecond) {
			throw new InvalidSettingException("rate", rate,
					"rate must be at most " + perNanosecond + " per nanosecond ("
							+ Math.min(Integer.MAX_VALUE, per.toNanos() * perNanosecond) + " per " + per
							+ " with a burst of " + burst + "), was " + rate);
		}
		if (refreshNanos(rate, per, burst) > MAX_REFRESH_NANOS) {
			throw new InvalidSettingException("burst", burst,
					"burst must be at most " + maxBurst(rate, per) + " for " + rate + " per " + per
							+ " (a burst is refilled whole every per × burst / rate, at most "
							+ Duration.ofNanos(MAX_REFRESH_NANOS).toDays() + " days), was " + burst);
		}
	}

	/**
	 * {@code rate} permits per second, a burst of {@code rate}, and callers that never
	 * wait.
	 */
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
		BigInteger nanos = BigInteger.valueOf(per.toNanos())
			.multiply(BigInteger.valueOf(burst))
			.divide(BigInteger.valueOf(rate));
		return nanos.min(BigInteger.valueOf(Long.MAX_VALUE)).longValue();
	}

	private static long maxBurst(int rate, Duration per) {
		return BigInteger.valueOf(MAX_REFRESH_NANOS)
			.multiply(BigInteger.valueOf(rate))
			.divide(BigInteger.valueOf(per.toNanos()))
			.min(BigInteger.valueOf(Integer.MAX_VALUE))
			.longValue();
	}
}
