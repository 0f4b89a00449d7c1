package dev.sluice.ratelimit;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import dev.sluice.lifecycle.Gate;
import dev.sluice.timeout.Deadline;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;

/**
 * A named token-bucket rate limiter on resilience4j's {@link AtomicRateLimiter}: Go's
 * {@code rate.Limiter}, described by rate, burst and wait ({@link RateLimitConfig} explains the
 * mapping and where it differs from a classic token bucket).
 *
 * <pre>{@code
 * partnerApi.acquire();                                // waits up to the configured timeout
 * Supplier<Quote> quote = partnerApi.decorateSupplier(client::quote);
 * }</pre>
 *
 * <ul>
 * <li>{@link #tryAcquire(int)} never waits; {@link #acquire(int, Duration)} waits up to the
 * timeout, and fails at once, without waiting, when the permits cannot come in time. Refused
 * callers get a {@link RateLimitExceededException} whose {@code retryAfter()} says when the permits
 * are expected.</li>
 * <li>Waiting callers are not queued: when permits come back, whichever caller asks first gets
 * them.</li>
 * <li>An interrupted waiter throws {@link InterruptedException} and takes nothing.</li>
 * <li>{@link #setRate(int)} takes effect at once: the limiter starts afresh with a full burst.</li>
 * <li>When the limiter shuts down ({@link #stopIntake()}), waiting callers wake with a
 * {@link RateLimitExceededException} of reason {@code SHUT_DOWN}, and so does every later call.</li>
 * </ul>
 *
 * <p>Design notes. resilience4j's limiter is built with a zero timeout, so that it only ever answers
 * "now or not"; waiting is done here, parked until the next refresh period begins, so that it can
 * honour each caller's own timeout, interrupts and shutdown. The current resilience4j limiter and
 * its config sit in one volatile {@link Current}, replaced whole when the rate changes. The fast path
 * is resilience4j's own CAS plus that volatile read.
 */
public final class RateLimiter implements Gate {

	private final String name;

	private final LongSupplier nanoClock;

	private volatile Current current;

	private volatile boolean shutDown;

	private final Set<Thread> waiters = ConcurrentHashMap.newKeySet();

	private final LongAdder rejected = new LongAdder();

	private RateLimiter(String name, RateLimitConfig config, LongSupplier nanoClock) {
		if (name == null || name.isBlank()) {
			throw new IllegalArgumentException("name must not be blank");
		}
		this.name = name;
		this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
		this.current = new Current(name, Objects.requireNonNull(config, "config"), nanoClock);
	}

	/** Creates a limiter with the given name and settings. */
	public static RateLimiter create(String name, RateLimitConfig config) {
		return new RateLimiter(name, config, System::nanoTime);
	}

	/**
	 * Creates a limiter that reads time from the given clock of nanoseconds, such as a fake clock in a
	 * test. The clock must never go backwards.
	 */
	public static RateLimiter create(String name, RateLimitConfig config, LongSupplier nanoClock) {
		return new RateLimiter(name, config, nanoClock);
	}

	@Override
	public String name() {
		return this.name;
	}

	/** The current settings. */
	public RateLimitConfig config() {
		return this.current.config;
	}

	/** Takes one permit if one is available now; never waits. */
	public boolean tryAcquire() {
		return tryAcquire(1);
	}

	/**
	 * Takes several permits if they are available now; never waits.
	 * @param permits at least 1 and at most the burst
	 */
	public boolean tryAcquire(int permits) {
		Current current = this.current;
		current.check(permits);
		if (this.shutDown) {
			throw shutDownException();
		}
		if (current.limiter.acquirePermission(permits)) {
			return true;
		}
		this.rejected.increment();
		return false;
	}

	/**
	 * Takes one permit, waiting up to the configured timeout.
	 * @throws RateLimitExceededException if no permit can come in time, or the limiter is shut down
	 * @throws InterruptedException if the caller was interrupted while it waited
	 */
	public void acquire() throws InterruptedException {
		acquire(1, this.current.config.timeout());
	}

	/**
	 * Takes several permits, waiting up to the given timeout.
	 * @param permits at least 1 and at most the burst
	 * @throws RateLimitExceededException if the permits cannot come in time, or the limiter is shut
	 * down
	 * @throws InterruptedException if the caller was interrupted while it waited
	 */
	public void acquire(int permits, Duration timeout) throws InterruptedException {
		Objects.requireNonNull(timeout, "timeout");
		Current current = this.current;
		current.check(permits);
		if (this.shutDown) {
			throw shutDownException();
		}
		if (current.limiter.acquirePermission(permits)) {
			return;
		}
		long deadline = this.nanoClock.getAsLong() + Math.max(0, Deadline.cap(timeout));
		Thread me = Thread.currentThread();
		this.waiters.add(me);
		try {
			while (true) {
				if (this.shutDown) {
					throw shutDownException();
				}
				current = this.current;
				current.check(permits);
				if (current.limiter.acquirePermission(permits)) {
					return;
				}
				long wait = current.nanosToNextPeriod();
				long left = deadline - this.nanoClock.getAsLong();
				if (wait > left) {
					this.rejected.increment();
					throw new RateLimitExceededException(this.name, RateLimitExceededException.Reason.LIMITED,
							Duration.ofNanos(wait), "Rate limiter '" + this.name + "' allows " + current.config.rate()
									+ " per " + current.config.per() + "; no " + permits + " permit"
									+ ((permits == 1) ? "" : "s") + " within " + timeout + " (next in "
									+ Duration.ofNanos(wait).toMillis() + "ms)");
				}
				LockSupport.parkNanos(this, wait);
				if (Thread.interrupted()) {
					throw new InterruptedException("Interrupted while waiting for rate limiter '" + this.name + "'");
				}
			}
		}
		finally {
			this.waiters.remove(me);
		}
	}

	/** How long until a permit is expected: zero if one is available now. */
	public Duration timeToNextPermit() {
		Current current = this.current;
		return (current.limiter.getDetailedMetrics().getAvailablePermissions() > 0) ? Duration.ZERO
				: Duration.ofNanos(current.nanosToNextPeriod());
	}

	/** A runnable that takes a permit (waiting up to the configured timeout) before each run. */
	public Runnable decorateRunnable(Runnable runnable) {
		Objects.requireNonNull(runnable, "runnable");
		return () -> {
			acquireUninterruptibly();
			runnable.run();
		};
	}

	/** A supplier that takes a permit (waiting up to the configured timeout) before each call. */
	public <T> Supplier<T> decorateSupplier(Supplier<T> supplier) {
		Objects.requireNonNull(supplier, "supplier");
		return () -> {
			acquireUninterruptibly();
			return supplier.get();
		};
	}

	/** A callable that takes a permit (waiting up to the configured timeout) before each call. */
	public <T> Callable<T> decorateCallable(Callable<T> callable) {
		Objects.requireNonNull(callable, "callable");
		return () -> {
			acquire();
			return callable.call();
		};
	}

	private void acquireUninterruptibly() {
		try {
			acquire();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new RateLimitExceededException(this.name, RateLimitExceededException.Reason.INTERRUPTED,
					Duration.ZERO, "Interrupted while waiting for rate limiter '" + this.name + "'");
		}
	}

	/**
	 * Changes the rate, keeping {@code per}, burst and timeout. The limiter starts afresh with a full
	 * burst.
	 * @param rate at least 1
	 */
	public synchronized void setRate(int rate) {
		reconfigure(this.current.config.withRate(rate));
	}

	/** Replaces every setting. The limiter starts afresh with a full burst. */
	public synchronized void reconfigure(RateLimitConfig config) {
		this.current = new Current(this.name, Objects.requireNonNull(config, "config"), this.nanoClock);
		this.waiters.forEach(LockSupport::unpark);
	}

	/** A snapshot of the limiter's live state and counters. */
	public RateLimiterStats stats() {
		Current current = this.current;
		return new RateLimiterStats(this.name, current.config,
				this.shutDown ? 0 : Math.max(0, current.limiter.getDetailedMetrics().getAvailablePermissions()),
				this.waiters.size(), this.rejected.sum(), this.shutDown);
	}

	/** Whether the limiter has shut down. */
	public boolean isShutDown() {
		return this.shutDown;
	}

	/** Fails every waiting and later call with a {@link RateLimitExceededException} of reason SHUT_DOWN. */
	@Override
	public void stopIntake() {
		this.shutDown = true;
		this.waiters.forEach(LockSupport::unpark);
	}

	private RateLimitExceededException shutDownException() {
		this.rejected.increment();
		return new RateLimitExceededException(this.name, RateLimitExceededException.Reason.SHUT_DOWN, Duration.ZERO,
				"Rate limiter '" + this.name + "' is shut down and gives no more permits");
	}

	@Override
	public String toString() {
		return "RateLimiter[" + this.name + ", " + this.current.config + "]";
	}

	/** The resilience4j limiter of the current settings, and where its refresh periods begin. */
	private static final class Current {

		final RateLimitConfig config;

		final AtomicRateLimiter limiter;

		final long periodNanos;

		final LongSupplier clock;

		/** The clock's reading when resilience4j started counting periods. */
		final long start;

		Current(String name, RateLimitConfig config, LongSupplier clock) {
			this.config = config;
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

		void check(int permits) {
			if (permits < 1 || permits > this.config.burst()) {
				throw new IllegalArgumentException("permits must be between 1 and the burst of " + this.config.burst()
						+ ", was " + permits);
			}
		}

		long nanosToNextPeriod() {
			return this.periodNanos - Math.floorMod(this.clock.getAsLong() - this.start, this.periodNanos);
		}
	}

	/** A clock for resilience4j that remembers its first reading, which resilience4j takes as time zero. */
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
