package dev.sluice.ratelimit;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * Model checking and stress testing of a local {@link RateLimiter} with Lincheck, on a
 * fake clock that an operation moves forward. Operations: {@code tryAcquire} of 1 or 2
 * permits, {@code advance} of the clock, {@code setRate} and {@code config().rate()}.
 * {@code stopIntake} is not among them: a take that races it may be granted or refused
 * (the take is resilience4j's CAS, which a shutdown flag cannot join), which no
 * sequential model expresses; what it does promise, that nothing is granted once it has
 * returned and that waiters wake, {@code RateLimiterTest} checks.
 *
 * <p>
 * The sequential model, {@link Model}, is the token bucket as {@link RateLimitConfig}
 * describes it: {@code burst} permits per refresh period of {@code per × burst / rate},
 * periods counted from the clock's reading when the permits were created, all of a
 * period's permits back at its start; {@code setRate} starts afresh from the current time
 * with a full burst. Here {@code per} is 1s and the burst 2, so rates 1, 2, 3 and 4 give
 * periods of 2s, 1s, 666ms and 500ms, and the clock moves by 100ms, 400ms or 700ms.
 *
 * <p>
 * Time budget: about 10s for the class on 2 cores. The stress runs use two threads: more
 * threads than cores make Lincheck's spinning threads wait out each other's time slices,
 * ten times slower.
 */
class RateLimiterLincheckTest {

	/**
	 * Random scenarios with the clock moved and the settings changed from one thread. A
	 * rate change counts its first period from a clock reading taken during
	 * {@code setRate}; a clock moved by another thread at that very moment may land on
	 * either side of that reading, which no sequential model with atomic clock moves can
	 * express (a real clock moves during every call). So {@code advance} and
	 * {@code setRate} never overlap; everything else races.
	 */
	@Test
	void modelChecking() {
		new ModelCheckingOptions().iterations(10)
			.invocationsPerIteration(50)
			.threads(3)
			.actorsPerThread(2)
			.actorsBefore(2)
			.actorsAfter(2)
			.sequentialSpecification(Model.class)
			.check(TargetWithClockAndSettingsOnOneThread.class);
	}

	@Test
	void stress() {
		new StressOptions().iterations(6)
			.invocationsPerIteration(300)
			.threads(2)
			.actorsPerThread(3)
			.actorsBefore(2)
			.actorsAfter(2)
			.sequentialSpecification(Model.class)
			.check(TargetWithClockAndSettingsOnOneThread.class);
	}

	static final Duration PER = Duration.ofSeconds(1);

	static final int BURST = 2;

	static final int RATE = 2;

	static final long START = TimeUnit.SECONDS.toNanos(5);

	static long millis(int step) {
		return switch (step) {
			case 1 -> 100;
			case 2 -> 400;
			default -> 700;
		};
	}

	/** A limiter on a clock that only {@link #advance} moves. */
	public static class Target {

		private final AtomicLong nanos = new AtomicLong(START);

		private final RateLimiter limiter = RateLimiter.create("lincheck",
				new RateLimitConfig(RATE, PER, BURST, Duration.ZERO), this.nanos::get);

		@Operation
		public String tryAcquire(@Param(gen = IntGen.class, conf = "1:2") int permits) {
			try {
				return this.limiter.tryAcquire(permits) ? "granted" : "limited";
			}
			catch (RateLimitExceededException ex) {
				return ex.reason().name();
			}
		}

		@Operation
		public void advance(@Param(gen = IntGen.class, conf = "1:3") int step) {
			this.nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis(step)));
		}

		@Operation
		public void setRate(@Param(gen = IntGen.class, conf = "1:4") int rate) {
			this.limiter.setRate(rate);
		}

		@Operation
		public int rate() {
			return this.limiter.config().rate();
		}

	}

	/** The same limiter, with {@code advance} and {@code setRate} on one thread. */
	public static class TargetWithClockAndSettingsOnOneThread {

		private final Target target = new Target();

		@Operation
		public String tryAcquire(@Param(gen = IntGen.class, conf = "1:2") int permits) {
			return this.target.tryAcquire(permits);
		}

		@Operation(nonParallelGroup = "clock and settings")
		public void advance(@Param(gen = IntGen.class, conf = "1:3") int step) {
			this.target.advance(step);
		}

		@Operation(nonParallelGroup = "clock and settings")
		public void setRate(@Param(gen = IntGen.class, conf = "1:4") int rate) {
			this.target.setRate(rate);
		}

		@Operation
		public int rate() {
			return this.target.rate();
		}

	}

	/** The token bucket with whole refresh periods, on the same clock. */
	public static class Model {

		private long now = START;

		private int rate = RATE;

		private long start;

		private long cycle;

		private int permits;

		public Model() {
			restart();
		}

		private void restart() {
			this.start = this.now;
			this.cycle = 0;
			this.permits = BURST;
		}

		private long period() {
			return PER.toNanos() * BURST / this.rate;
		}

		public String tryAcquire(int permits) {
			long current = (this.now - this.start) / period();
			if (current != this.cycle) {
				this.cycle = current;
				this.permits = BURST;
			}
			if (this.permits < permits) {
				return "limited";
			}
			this.permits -= permits;
			return "granted";
		}

		public void advance(int step) {
			this.now += TimeUnit.MILLISECONDS.toNanos(millis(step));
		}

		/**
		 * For a key's store ({@code LocalKeyPermitStoreTest}), which says what is left.
		 */
		public int available() {
			long current = (this.now - this.start) / period();
			return (current != this.cycle) ? BURST : this.permits;
		}

		public void setRate(int rate) {
			this.rate = rate;
			restart();
		}

		public int rate() {
			return this.rate;
		}

	}

}
