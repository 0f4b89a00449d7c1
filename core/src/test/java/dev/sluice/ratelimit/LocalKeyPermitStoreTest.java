package dev.sluice.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A key's flat store ({@link LocalKeyPermitStore}) answers exactly as the limiter's own
 * store on resilience4j ({@link LocalPermitStore}) does, on the same clock, including at
 * the extremes of the settings and after its period index wraps; and it is linearizable
 * (Lincheck, against the limiter's own model) and never grants more than a burst per
 * period under contention.
 */
class LocalKeyPermitStoreTest {

	@Test
	void answersAsTheResilience4jStoreDoesForRandomSettingsAndClockMoves() {
		SplittableRandom random = new SplittableRandom(13);
		for (int scenario = 0; scenario < 2_000; scenario++) {
			RateLimitConfig config = randomConfig(random);
			long period = config.refreshPeriod().toNanos();
			AtomicLong now = new AtomicLong(random.nextLong());
			LocalPermitStore resilience4j = new LocalPermitStore("r4j", config, now::get);
			LocalKeyPermitStore flat = new LocalKeyPermitStore(config, now::get);
			long elapsed = 0;
			for (int step = 0; step < 60; step++) {
				String where = "scenario " + scenario + ", step " + step + ", " + config;
				long move = switch (random.nextInt(4)) {
					case 0 -> random.nextLong(Math.max(1, period / 3));
					case 1 -> period * random.nextInt(1, 4) - random.nextInt(0, 2);
					case 2 -> longJump(period, random.nextLong(1, 1L << 36));
					default -> 0;
				};
				// a clock that runs for centuries overflows both stores' arithmetic
				if (move > 0 && elapsed + move < MAX_ELAPSED) {
					elapsed += move;
					now.addAndGet(move);
				}
				int permits = (random.nextBoolean()) ? 1 : 1 + random.nextInt(config.burst());
				assertThat(flat.tryTake(permits, 0)).as(where).isEqualTo(resilience4j.tryTake(permits, 0));
				assertThat(flat.available()).as(where).isEqualTo(resilience4j.available());
				assertThat(flat.nanosToNextPermit()).as(where).isEqualTo(resilience4j.nanosToNextPermit());
			}
		}
	}

	/**
	 * 2^61ns, about 73 years: as long as resilience4j's arithmetic lets a limiter run.
	 */
	private static final long MAX_ELAPSED = 1L << 61;

	/**
	 * Whole periods, but at most 2^54ns (seven months) at once: 60 of them stay within
	 * the 2^61ns that resilience4j's arithmetic allows a limiter to sit idle (see
	 * {@link RateLimitConfig}).
	 */
	private static long longJump(long period, long periods) {
		return (period > (1L << 54) / periods) ? 1L << 54 : period * periods;
	}

	private static RateLimitConfig randomConfig(SplittableRandom random) {
		return switch (random.nextInt(4)) {
			// 1ns periods: the period index wraps within seconds
			case 0 -> new RateLimitConfig(1_000_000_000, Duration.ofSeconds(1), random.nextInt(1, 4), Duration.ZERO);
			// the longest refill period allowed
			case 1 -> new RateLimitConfig(1, RateLimitConfig.MAX_PER, 73, Duration.ZERO);
			// the largest burst
			case 2 -> new RateLimitConfig(Integer.MAX_VALUE, Duration.ofSeconds(1), Integer.MAX_VALUE, Duration.ZERO);
			default -> new RateLimitConfig(random.nextInt(1, 1000), Duration.ofMillis(random.nextInt(1, 5000)),
					random.nextInt(1, 50), Duration.ZERO);
		};
	}

	@Test
	void aPeriodWhoseCutIndexMatchesTheStoredOneStillRefills() {
		// a 1ns period: 2^32 periods later, the index cut to 32 bits is the same again
		RateLimitConfig config = new RateLimitConfig(1_000_000_000, Duration.ofSeconds(1), 1, Duration.ZERO);
		AtomicLong now = new AtomicLong(42);
		LocalKeyPermitStore store = new LocalKeyPermitStore(config, now::get);
		assertThat(store.tryTake(1, 0)).isZero();
		assertThat(store.tryTake(1, 0)).isEqualTo(1);
		for (long k : new long[] { 1, 2, 1L << 20 }) {
			now.addAndGet(k << 32);
			assertThat(store.available()).as("after %d × 2^32 periods", k).isEqualTo(1);
			assertThat(store.tryTake(1, 0)).as("after %d × 2^32 periods", k).isZero();
			assertThat(store.tryTake(1, 0)).isEqualTo(1);
		}
	}

	@Test
	void aReadingFromJustBeforeTheStoredPeriodTakesFromItAndRefillsNothing() {
		RateLimitConfig config = new RateLimitConfig(10, Duration.ofSeconds(1), 2, Duration.ZERO);
		AtomicLong now = new AtomicLong(0);
		long period = config.refreshPeriod().toNanos();
		LocalKeyPermitStore store = new LocalKeyPermitStore(config, now::get);
		now.set(period);
		assertThat(store.tryTake(1, 0)).isZero();
		// another thread's reading, a nanosecond before the period the state is in
		now.set(period - 1);
		assertThat(store.tryTake(1, 0)).isZero();
		assertThat(store.tryTake(1, 0)).isEqualTo(1);
		now.set(period);
		assertThat(store.tryTake(1, 0)).isEqualTo(period);
	}

	@Test
	void threadsTakingAtOnceGetExactlyABurstPerPeriod() throws Exception {
		int burst = 10_000;
		RateLimitConfig config = new RateLimitConfig(burst, Duration.ofSeconds(1), burst, Duration.ZERO);
		AtomicLong now = new AtomicLong(0);
		LocalKeyPermitStore store = new LocalKeyPermitStore(config, now::get);
		int threads = 4;
		ExecutorService executor = Executors.newFixedThreadPool(threads);
		try {
			for (int round = 0; round < 3; round++) {
				CountDownLatch go = new CountDownLatch(1);
				List<Future<Integer>> taken = new ArrayList<>();
				for (int t = 0; t < threads; t++) {
					taken.add(executor.submit(() -> {
						go.await();
						int granted = 0;
						for (int i = 0; i < burst; i++) {
							if (store.tryTake(1, 0) == 0) {
								granted++;
							}
						}
						return granted;
					}));
				}
				go.countDown();
				int total = 0;
				for (Future<Integer> future : taken) {
					total += future.get(30, TimeUnit.SECONDS);
				}
				assertThat(total).as("round %d", round).isEqualTo(burst);
				now.addAndGet(config.refreshPeriod().toNanos());
			}
		}
		finally {
			executor.shutdownNow();
		}
	}

	@Test
	void modelChecking() {
		new ModelCheckingOptions().iterations(10)
			.invocationsPerIteration(50)
			.threads(3)
			.actorsPerThread(2)
			.actorsBefore(2)
			.actorsAfter(2)
			.sequentialSpecification(RateLimiterLincheckTest.Model.class)
			.check(Target.class);
	}

	@Test
	void stress() {
		new StressOptions().iterations(6)
			.invocationsPerIteration(300)
			.threads(2)
			.actorsPerThread(3)
			.actorsBefore(2)
			.actorsAfter(2)
			.sequentialSpecification(RateLimiterLincheckTest.Model.class)
			.check(Target.class);
	}

	/**
	 * A key's store with the limiter's settings in {@code RateLimiterLincheckTest}, on a
	 * clock that only {@link #advance} moves, one thread at a time, as there; its
	 * {@code Model} is the specification (a key has no {@code setRate} of its own).
	 */
	public static class Target {

		private final AtomicLong nanos = new AtomicLong(RateLimiterLincheckTest.START);

		private final LocalKeyPermitStore store = new LocalKeyPermitStore(
				new RateLimitConfig(RateLimiterLincheckTest.RATE, RateLimiterLincheckTest.PER,
						RateLimiterLincheckTest.BURST, Duration.ZERO),
				this.nanos::get);

		@Operation
		public String tryAcquire(@Param(gen = IntGen.class, conf = "1:2") int permits) {
			return (this.store.tryTake(permits, 0) == 0) ? "granted" : "limited";
		}

		@Operation
		public int available() {
			return this.store.available();
		}

		// 400ms or 700ms: the larger steps cross periods more often than the limiter's
		// test
		@Operation(nonParallelGroup = "clock")
		public void advance(@Param(gen = IntGen.class, conf = "2:3") int step) {
			this.nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(RateLimiterLincheckTest.millis(step)));
		}

	}

}
