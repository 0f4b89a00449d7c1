package dev.sluice.ratelimit;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The extremes matrix of the rate-limit package: rate, burst and permits at 0, 1,
 * {@code Integer.MAX_VALUE} and negative; per and every timeout at 0, 1ns, huge and
 * negative. Each case either works as documented or is refused with an
 * {@link IllegalArgumentException} that names the setting and what is allowed; never an
 * {@link ArithmeticException}, an {@link Error} or a hang.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ExtremeValuesTest {

	private static final Duration PROMPT = Duration.ofSeconds(2);

	private static final Duration SECOND = Duration.ofSeconds(1);

	private final AtomicLong now = new AtomicLong(1_000_000_000L);

	static Stream<Named<Duration>> huge() {
		return Stream.of(Named.of("Duration.ofNanos(Long.MAX_VALUE)", Duration.ofNanos(Long.MAX_VALUE)),
				Named.of("Duration.ofSeconds(Long.MAX_VALUE)", Duration.ofSeconds(Long.MAX_VALUE)));
	}

	static Stream<Named<Duration>> noWait() {
		return Stream.of(Named.of("Duration.ZERO", Duration.ZERO),
				Named.of("Duration.ofNanos(1)", Duration.ofNanos(1)));
	}

	static Stream<Named<Duration>> negative() {
		return Stream.of(Named.of("Duration.ofNanos(-1)", Duration.ofNanos(-1)),
				Named.of("Duration.ofSeconds(-1)", Duration.ofSeconds(-1)),
				Named.of("Duration.ofSeconds(Long.MIN_VALUE)", Duration.ofSeconds(Long.MIN_VALUE)));
	}

	// RateLimitConfig.rate, burst

	@ParameterizedTest(name = "rate {0}")
	@ValueSource(ints = { 0, -1, Integer.MIN_VALUE })
	void rateBelowOneIsRefusedNamingTheSetting(int rate) {
		assertRefused(() -> new RateLimitConfig(rate, SECOND, 1, Duration.ZERO), "rate", "at least 1");
	}

	@ParameterizedTest(name = "burst {0}")
	@ValueSource(ints = { 0, -1, Integer.MIN_VALUE })
	void burstBelowOneIsRefusedNamingTheSetting(int burst) {
		assertRefused(() -> new RateLimitConfig(1, SECOND, burst, Duration.ZERO), "burst", "at least 1");
	}

	@Test
	void rateAndBurstOfOneGiveOnePermitPerPeriod() {
		RateLimiter limiter = fakeClockLimiter(new RateLimitConfig(1, SECOND, 1, Duration.ZERO));
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.tryAcquire()).isFalse();
		this.now.addAndGet(SECOND.toNanos());
		assertThat(limiter.tryAcquire()).isTrue();
	}

	@Test
	void rateAndBurstOfIntegerMaxGiveEveryPermitAtOnce() {
		RateLimiter limiter = fakeClockLimiter(
				new RateLimitConfig(Integer.MAX_VALUE, SECOND, Integer.MAX_VALUE, Duration.ZERO));
		assertThat(limiter.tryAcquire(Integer.MAX_VALUE)).isTrue();
		assertThat(limiter.tryAcquire()).isFalse();
		this.now.addAndGet(SECOND.toNanos());
		assertThat(limiter.tryAcquire(Integer.MAX_VALUE)).isTrue();
	}

	@Test
	void burstOfIntegerMaxAtARateOfOneIsOneBurstPerVeryLongPeriod() {
		RateLimiter limiter = fakeClockLimiter(new RateLimitConfig(1, SECOND, Integer.MAX_VALUE, Duration.ZERO));
		assertThat(limiter.tryAcquire(Integer.MAX_VALUE)).isTrue();
		assertThat(limiter.tryAcquire()).isFalse();
		assertThatThrownBy(() -> limiter.acquire(1, Duration.ZERO)).isInstanceOfSatisfying(
				RateLimitExceededException.class,
				(ex) -> assertThat(ex.retryAfter()).isGreaterThan(Duration.ofDays(365)));
	}

	// RateLimitConfig.per

	@ParameterizedTest(name = "per {0}")
	@MethodSource({ "negative", "zero" })
	void perOfZeroOrLessIsRefusedNamingTheSetting(Duration per) {
		assertRefused(() -> new RateLimitConfig(1, per, 1, Duration.ZERO), "per", "positive");
	}

	static Stream<Named<Duration>> zero() {
		return Stream.of(Named.of("Duration.ZERO", Duration.ZERO));
	}

	@Test
	void perOfOneNanosecondGivesAPermitEveryNanosecond() {
		RateLimiter limiter = fakeClockLimiter(new RateLimitConfig(1, Duration.ofNanos(1), 1, Duration.ZERO));
		assertThat(limiter.config().refreshPeriod()).isEqualTo(Duration.ofNanos(1));
		for (int i = 0; i < 100; i++) {
			assertThat(limiter.tryAcquire()).isTrue();
			assertThat(limiter.tryAcquire()).isFalse();
			this.now.incrementAndGet();
		}
	}

	@Test
	void perOfOneNanosecondAtAnIntegerMaxRateAndBurstIsRefusedNamingTheRateAndItsRange() {
		// two billion permits a nanosecond would overflow the count of permits refilled
		// while idle
		assertRefused(
				() -> new RateLimitConfig(Integer.MAX_VALUE, Duration.ofNanos(1), Integer.MAX_VALUE, Duration.ZERO),
				"rate", "at most 4 per nanosecond");
	}

	@Test
	void theMostPermitsPerNanosecondStillCountCorrectlyAfterALongIdleTime() {
		RateLimiter limiter = fakeClockLimiter(
				new RateLimitConfig(4, Duration.ofNanos(1), Integer.MAX_VALUE, Duration.ZERO));
		assertThat(limiter.tryAcquire(Integer.MAX_VALUE)).isTrue();
		// idle for 30 years
		this.now.addAndGet(Duration.ofDays(30 * 365).toNanos());
		assertThat(limiter.tryAcquire(Integer.MAX_VALUE)).isTrue();
		assertThat(limiter.tryAcquire()).isFalse();
	}

	@Test
	void perOfOneNanosecondAtAnIntegerMaxRateWithASmallBurstIsRefusedNamingTheRateAndItsRange() {
		assertRefused(() -> new RateLimitConfig(Integer.MAX_VALUE, Duration.ofNanos(1), 1, Duration.ZERO), "rate",
				"at most 1 per nanosecond");
	}

	@ParameterizedTest(name = "per {0}")
	@MethodSource("huge")
	void hugePeriodMeansOnePermitThenAVeryLongWait(Duration per) {
		worksOrIsRefused("per", () -> {
			RateLimiter limiter = fakeClockLimiter(new RateLimitConfig(1, per, 1, Duration.ZERO));
			assertThat(limiter.tryAcquire()).isTrue();
			assertThat(limiter.tryAcquire()).isFalse();
			assertThat(limiter.timeToNextPermit()).isGreaterThan(Duration.ofDays(365));
			assertThatThrownBy(() -> limiter.acquire(1, Duration.ZERO))
				.isInstanceOfSatisfying(RateLimitExceededException.class, (ex) -> {
					assertThat(ex.reason()).isEqualTo(RateLimitExceededException.Reason.LIMITED);
					assertThat(ex.retryAfter()).isGreaterThan(Duration.ofDays(365));
				});
		});
	}

	@ParameterizedTest(name = "per {0}")
	@MethodSource("huge")
	void hugePeriodWithAnIntegerMaxBurstWorksOrIsRefused(Duration per) {
		worksOrIsRefused("per", () -> {
			RateLimiter limiter = fakeClockLimiter(new RateLimitConfig(1, per, Integer.MAX_VALUE, Duration.ZERO));
			assertThat(limiter.tryAcquire(Integer.MAX_VALUE)).isTrue();
			assertThat(limiter.tryAcquire()).isFalse();
		});
	}

	// RateLimitConfig.timeout, and acquire() with it

	@ParameterizedTest(name = "timeout {0}")
	@MethodSource("negative")
	void negativeTimeoutIsRefusedNamingTheSetting(Duration timeout) {
		assertRefused(() -> RateLimitConfig.perSecond(1).withTimeout(timeout), "timeout", "zero or more");
	}

	@ParameterizedTest(name = "timeout {0}")
	@MethodSource("noWait")
	void timeoutOfZeroOrOneNanosecondRefusesAtOnceWhenUsedUp(Duration timeout) throws Exception {
		RateLimiter limiter = RateLimiter.create("short", new RateLimitConfig(1, Duration.ofHours(1), 1, timeout));
		limiter.acquire();
		long start = System.nanoTime();
		assertThatThrownBy(limiter::acquire).isInstanceOfSatisfying(RateLimitExceededException.class, (ex) -> {
			assertThat(ex.reason()).isEqualTo(RateLimitExceededException.Reason.LIMITED);
			assertThat(ex.retryAfter()).isPositive();
		});
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
	}

	@ParameterizedTest(name = "timeout {0}")
	@MethodSource("huge")
	void hugeTimeoutWaitsForTheNextPermit(Duration timeout) throws Exception {
		// 10 per second with a burst of 1: a permit every 100ms
		RateLimiter limiter = RateLimiter.create("huge", new RateLimitConfig(10, SECOND, 1, timeout));
		limiter.acquire();
		long start = System.nanoTime();
		limiter.acquire();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
	}

	@ParameterizedTest(name = "acquire(Integer.MAX_VALUE, {0})")
	@MethodSource("huge")
	void acquireOfIntegerMaxPermitsWithAHugeTimeoutWaitsForTheNextBurst(Duration timeout) throws Exception {
		RateLimiter limiter = RateLimiter.create("all",
				new RateLimitConfig(Integer.MAX_VALUE, SECOND, Integer.MAX_VALUE, Duration.ZERO));
		limiter.acquire(Integer.MAX_VALUE, Duration.ZERO);
		long start = System.nanoTime();
		limiter.acquire(Integer.MAX_VALUE, timeout);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
	}

	@ParameterizedTest(name = "acquire(1, {0})")
	@MethodSource("huge")
	void acquireWithAHugeTimeoutStillEndsPromptlyWhenTheLimiterStops(Duration timeout) throws Exception {
		RateLimiter limiter = RateLimiter.create("stopping",
				new RateLimitConfig(1, Duration.ofHours(1), 1, Duration.ZERO));
		limiter.acquire();
		CompletableFuture<Object> waiter = async(() -> {
			limiter.acquire(1, timeout);
			return null;
		});
		Thread.sleep(200);
		assertThat(waiter).as("the caller waits for the next permit").isNotDone();
		limiter.stopIntake();
		assertThat(waiter).failsWithin(Duration.ofSeconds(5))
			.withThrowableOfType(Exception.class)
			.havingCause()
			.isInstanceOfSatisfying(RateLimitExceededException.class,
					(ex) -> assertThat(ex.reason()).isEqualTo(RateLimitExceededException.Reason.SHUT_DOWN));
	}

	// RateLimiter.acquire(permits, timeout)

	@ParameterizedTest(name = "permits {0}")
	@ValueSource(ints = { 0, -1, Integer.MIN_VALUE, 11, Integer.MAX_VALUE })
	void permitsOutsideOneToTheBurstAreRefusedNamingTheSetting(int permits) {
		RateLimiter limiter = RateLimiter.create("permits", new RateLimitConfig(10, SECOND, 10, Duration.ZERO));
		assertRefused(() -> limiter.acquire(permits, Duration.ZERO), "permits", "between 1 and the burst of 10");
		assertRefused(() -> limiter.tryAcquire(permits), "permits", "between 1 and the burst of 10");
	}

	@ParameterizedTest(name = "acquire(1, {0})")
	@MethodSource("noWait")
	void acquireWithZeroOrOneNanosecondRefusesAtOnceWhenUsedUp(Duration timeout) throws Exception {
		RateLimiter limiter = RateLimiter.create("short",
				new RateLimitConfig(1, Duration.ofHours(1), 1, Duration.ZERO));
		limiter.acquire(1, timeout);
		long start = System.nanoTime();
		assertThatThrownBy(() -> limiter.acquire(1, timeout)).isInstanceOfSatisfying(RateLimitExceededException.class,
				(ex) -> assertThat(ex.reason()).isEqualTo(RateLimitExceededException.Reason.LIMITED));
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
	}

	@ParameterizedTest(name = "acquire(1, {0})")
	@MethodSource("negative")
	void acquireWithANegativeTimeoutRefusesAtOnceWhenUsedUpOrIsRefused(Duration timeout) throws Exception {
		RateLimiter limiter = RateLimiter.create("negative",
				new RateLimitConfig(1, Duration.ofHours(1), 1, Duration.ZERO));
		limiter.acquire();
		long start = System.nanoTime();
		failsOrIsRefused("timeout", () -> limiter.acquire(1, timeout),
				(thrown) -> assertThat(thrown).isInstanceOfSatisfying(RateLimitExceededException.class,
						(ex) -> assertThat(ex.reason()).isEqualTo(RateLimitExceededException.Reason.LIMITED)));
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
	}

	// RateLimiter.setRate

	@ParameterizedTest(name = "setRate({0})")
	@ValueSource(ints = { 0, -1, Integer.MIN_VALUE })
	void setRateBelowOneIsRefusedNamingTheSetting(int rate) {
		RateLimiter limiter = RateLimiter.create("set", RateLimitConfig.perSecond(10));
		assertRefused(() -> limiter.setRate(rate), "rate", "at least 1");
		assertThat(limiter.config().rate()).isEqualTo(10);
	}

	@Test
	void setRateToIntegerMaxKeepsTheBurstAndWorks() {
		RateLimiter limiter = fakeClockLimiter(RateLimitConfig.perSecond(10));
		limiter.setRate(Integer.MAX_VALUE);
		assertThat(limiter.config().rate()).isEqualTo(Integer.MAX_VALUE);
		assertThat(limiter.tryAcquire(10)).isTrue();
	}

	@Test
	void setRateToIntegerMaxOverOneNanosecondIsRefusedNamingTheRateAndItsRange() {
		RateLimiter limiter = fakeClockLimiter(new RateLimitConfig(1, Duration.ofNanos(1), 1, Duration.ZERO));
		assertRefused(() -> limiter.setRate(Integer.MAX_VALUE), "rate", "at most 1 per nanosecond");
		assertThat(limiter.config().rate()).isEqualTo(1);
	}

	// helpers

	private RateLimiter fakeClockLimiter(RateLimitConfig config) {
		return RateLimiter.create("fake-clock", config, this.now::get);
	}

	private static <T> CompletableFuture<T> async(Callable<T> call) {
		CompletableFuture<T> result = new CompletableFuture<>();
		Thread thread = new Thread(() -> {
			try {
				result.complete(call.call());
			}
			catch (Throwable ex) {
				result.completeExceptionally(ex);
			}
		}, "extreme-values-async");
		thread.setDaemon(true);
		thread.start();
		return result;
	}

	private static void assertRefused(ThrowingCallable creation, String setting, String allowed) {
		assertThatIllegalArgumentException().isThrownBy(creation)
			.withMessageContaining(setting)
			.withMessageContaining(allowed);
	}

	private static void worksOrIsRefused(String setting, ThrowingRunnable theCase) {
		try {
			theCase.run();
		}
		catch (IllegalArgumentException ex) {
			assertThat(ex.getMessage()).as("message of the refusal")
				.contains(setting)
				.containsPattern("at least|at most|or more|zero or|between|positive");
		}
		catch (AssertionError ex) {
			throw ex;
		}
		catch (Throwable ex) {
			throw new AssertionError("Expected it to work or be refused naming '" + setting + "', but it threw " + ex,
					ex);
		}
	}

	/**
	 * Runs a call that must either fail as documented (checked by {@code documented}) or
	 * be refused with an {@link IllegalArgumentException} whose message names the setting
	 * and the allowed range.
	 */
	private static void failsOrIsRefused(String setting, ThrowingCallable call, Consumer<Throwable> documented) {
		Throwable thrown = catchThrowable(call);
		if (thrown instanceof IllegalArgumentException) {
			assertThat(thrown.getMessage()).as("message of the refusal")
				.contains(setting)
				.containsPattern("at least|at most|or more|zero or|between|positive");
		}
		else {
			documented.accept(thrown);
		}
	}

	@FunctionalInterface
	interface ThrowingRunnable {

		void run() throws Exception;

	}

}
