package dev.sluice.ratelimit;

import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;

/**
 * Permits in this process, on resilience4j's {@link AtomicRateLimiter} built with a zero
 * timeout, so that it only ever answers "now or not". It knows where resilience4j's
 * refresh periods begin (its clock's first reading), so it can say exactly when the next
 * permits come.
 */
final class LocalPermitStore implements PermitStore {

	private final AtomicRateLimiter limiter;

	private final long periodNanos;

	private final LongSupplier clock;

	/** The clock's reading when resilience4j started counting periods. */
	private final long start;

	LocalPermitStore(String name, RateLimitConfig config, LongSupplier clock) {
		this.clock = clock;
		this.periodNanos = config.refreshPeriod().toNanos();
		RateLimiterConfig resilience4j = RateLimiterConfig.custom()
			.limitForPeriod(config.burst())
			.limitRefreshPeriod(config.refreshPeriod())
			.timeoutDuration(Duration.ZERO)
			.build();
		FirstReading reading = new FirstReading(clock);
		this.limiter = new AtomicRateLimiter(name, resilience4j, reading);
		this.start = reading.first;
	}

	/**
	 * Stores in this process: on resilience4j for a limiter, and flat ones
	 * ({@link LocalKeyPermitStore}) for its keys.
	 */
	static PermitStore.Factory factory(LongSupplier clock) {
		return new PermitStore.Factory() {

			@Override
			public PermitStore create(String name, RateLimitConfig config) {
				return new LocalPermitStore(name, config, clock);
			}

			@Override
			public PermitStore createForKey(String name, String key, RateLimitConfig config) {
				return new LocalKeyPermitStore(config, clock);
			}

		};
	}

	@Override
	public long tryTake(int permits, long maxWaitNanos) {
		return this.limiter.acquirePermission(permits) ? 0 : nanosToNextPermit();
	}

	@Override
	public int available() {
		return this.limiter.getDetailedMetrics().getAvailablePermissions();
	}

	@Override
	public long nanosToNextPermit() {
		return this.periodNanos - Math.floorMod(this.clock.getAsLong() - this.start, this.periodNanos);
	}

	/**
	 * A clock for resilience4j that remembers its first reading, which resilience4j takes
	 * as time zero.
	 */
	private static final class FirstReading implements Supplier<Long> {

		final LongSupplier clock;

		long first;

		private boolean read;

		FirstReading(LongSupplier clock) {
			this.clock = clock;
		}

		@Override
		public Long get() {
			long now = this.clock.getAsLong();
			if (!this.read) {
				this.first = now;
				this.read = true;
			}
			return now;
		}

	}

}
