package dev.sluice.benchmarks;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import dev.sluice.ratelimit.RateLimitConfig;
import dev.sluice.ratelimit.RateLimiter;
import dev.sluice.ratelimit.RateLimiterMetrics;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of taking one permit from a rate limiter that always has one: a Sluice
 * {@link RateLimiter} (with its Micrometer meters bound) against the limiters people
 * would otherwise reach for.
 * <ul>
 * <li>{@code *_sluice}: {@link RateLimiter#tryAcquire()}.</li>
 * <li>{@code *_resilience4j}: {@link AtomicRateLimiter#acquirePermission()}, configured
 * as Sluice configures the one it is built on: {@code limitForPeriod = burst},
 * {@code limitRefreshPeriod = }{@link RateLimitConfig#refreshPeriod()},
 * {@code timeoutDuration = 0}. This is the pair the goal is about.</li>
 * <li>{@code *_bucket4j}: a Bucket4j local bucket's {@code tryConsume(1)}, one bandwidth
 * of the same capacity refilled all at once every refresh period
 * ({@code refillIntervally}), Bucket4j's defaults otherwise (lock-free, millisecond
 * clock).</li>
 * <li>{@code *_guava}: Guava's {@code RateLimiter.create(RATE).tryAcquire()} (a smooth
 * bursty limiter, whose burst is one second of permits).</li>
 * </ul>
 * The rate is {@value #RATE} permits per second with a burst of as many, so every acquire
 * succeeds and the score is the acquire path, never waiting or refusing. Each iteration
 * checks that no acquire was refused and fails the run otherwise.
 *
 * <p>
 * Every limiter is shared by all the threads of a run ({@link Scope#Benchmark}), so the
 * {@code threads2_*} methods measure two threads contending on one limiter. The thread
 * count is in each method's name ({@code threads1_} / {@code threads2_}), as JMH's table
 * does not show it.
 *
 * <p>
 * Goal: the Sluice limiter costs at most 10% more than raw resilience4j, with metrics on.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RateLimiterBenchmark {

	/**
	 * Permits per second and burst of every limiter: far more than any thread can take.
	 */
	static final int RATE = 1_000_000_000;

	/**
	 * {@value #RATE} per second, a burst of {@value #RATE}, no waiting: a refresh period
	 * of 1 s.
	 */
	static final RateLimitConfig CONFIG = RateLimitConfig.perSecond(RATE);

	private RateLimiter sluice;

	private SimpleMeterRegistry registry;

	private AtomicRateLimiter resilience4j;

	private Bucket bucket4j;

	private com.google.common.util.concurrent.RateLimiter guava;

	/** Acquires refused by any limiter; never touched while the setup is right. */
	private final LongAdder refused = new LongAdder();

	@Setup(Level.Trial)
	public void setUp() {
		this.sluice = RateLimiter.create("bench", CONFIG);
		this.registry = new SimpleMeterRegistry();
		new RateLimiterMetrics(List.of(this.sluice), Tags.empty()).bindTo(this.registry);
		if (this.registry.getMeters().isEmpty()) {
			throw new IllegalStateException("No rate limiter meters were bound");
		}

		this.resilience4j = new AtomicRateLimiter("bench",
				RateLimiterConfig.custom()
					.limitForPeriod(CONFIG.burst())
					.limitRefreshPeriod(CONFIG.refreshPeriod())
					.timeoutDuration(Duration.ZERO)
					.build());

		this.bucket4j = bucket4jBucket();

		this.guava = com.google.common.util.concurrent.RateLimiter.create(RATE);
	}

	/**
	 * A Bucket4j local bucket configured as Sluice configures resilience4j: a capacity of
	 * the burst, refilled whole every refresh period.
	 */
	static Bucket bucket4jBucket() {
		return Bucket.builder()
			.addLimit(
					(limit) -> limit.capacity(CONFIG.burst()).refillIntervally(CONFIG.burst(), CONFIG.refreshPeriod()))
			.build();
	}

	/**
	 * Fails the run if any limiter refused a permit: then the score would not be the
	 * acquire path.
	 */
	@TearDown(Level.Iteration)
	public void checkNoneRefused() {
		long refused = this.refused.sum();
		if (refused > 0) {
			throw new IllegalStateException(refused + " acquires were refused; the limiters must never run out");
		}
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		this.registry.close();
	}

	private boolean count(boolean acquired) {
		if (!acquired) {
			this.refused.increment();
		}
		return acquired;
	}

	// one thread

	@Benchmark
	@Threads(1)
	public boolean threads1_sluice() {
		return count(this.sluice.tryAcquire());
	}

	@Benchmark
	@Threads(1)
	public boolean threads1_resilience4j() {
		return count(this.resilience4j.acquirePermission());
	}

	@Benchmark
	@Threads(1)
	public boolean threads1_bucket4j() {
		return count(this.bucket4j.tryConsume(1));
	}

	@Benchmark
	@Threads(1)
	public boolean threads1_guava() {
		return count(this.guava.tryAcquire());
	}

	// two threads on the same limiter

	@Benchmark
	@Threads(2)
	public boolean threads2_sluice() {
		return count(this.sluice.tryAcquire());
	}

	@Benchmark
	@Threads(2)
	public boolean threads2_resilience4j() {
		return count(this.resilience4j.acquirePermission());
	}

	@Benchmark
	@Threads(2)
	public boolean threads2_bucket4j() {
		return count(this.bucket4j.tryConsume(1));
	}

	@Benchmark
	@Threads(2)
	public boolean threads2_guava() {
		return count(this.guava.tryAcquire());
	}

}
