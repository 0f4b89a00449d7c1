package dev.sluice.bulkhead;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The extremes matrix of the semaphore package: permits and acquire counts at 0, 1,
 * {@code Integer.MAX_VALUE} and negative (with shutdown near the top of the range), every
 * timeout at 0, 1ns, huge and negative. Each case either works as documented or is
 * refused with an {@link IllegalArgumentException} that names the setting and what is
 * allowed; never an {@link ArithmeticException}, an {@link Error} (such as the
 * semaphore's "Maximum permit count exceeded") or a hang.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ExtremeValuesTest {

	private static final Duration PROMPT = Duration.ofSeconds(2);

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

	// BulkheadConfig.permits

	@ParameterizedTest(name = "permits {0}")
	@ValueSource(ints = { 0, -1, Integer.MIN_VALUE })
	void permitsBelowOneAreRefusedNamingTheSetting(int permits) {
		assertRefused(() -> BulkheadConfig.ofPermits(permits), "permits", "at least 1");
	}

	@Test
	void onePermitIsHeldByOneCallerAtATime() throws Exception {
		Bulkhead bulkhead = Bulkhead.create("one", BulkheadConfig.ofPermits(1));
		try (Bulkhead.Permit permit = bulkhead.acquire()) {
			assertThat(bulkhead.tryAcquire()).isEmpty();
		}
		assertThat(bulkhead.tryAcquire()).isPresent();
	}

	@Test
	void integerMaxPermitsCanAllBeTakenAndGivenBack() throws Exception {
		Bulkhead bulkhead = Bulkhead.create("max", BulkheadConfig.ofPermits(Integer.MAX_VALUE));
		try (Bulkhead.Permit permit = bulkhead.acquire(Integer.MAX_VALUE, Duration.ZERO)) {
			assertThat(bulkhead.stats().inUse()).isEqualTo(Integer.MAX_VALUE);
			assertThat(bulkhead.tryAcquire()).isEmpty();
		}
		assertThat(bulkhead.stats().available()).isEqualTo(Integer.MAX_VALUE);
	}

	// BulkheadConfig.acquireTimeout

	@ParameterizedTest(name = "acquire-timeout {0}")
	@MethodSource("negative")
	void negativeAcquireTimeoutIsRefusedNamingTheSetting(Duration timeout) {
		assertRefused(() -> BulkheadConfig.ofPermits(1).withAcquireTimeout(timeout), "acquire-timeout", "zero or more");
	}

	@ParameterizedTest(name = "acquire-timeout {0}")
	@MethodSource("noWait")
	void acquireTimeoutOfZeroOrOneNanosecondFailsAtOnceWhenFull(Duration timeout) throws Exception {
		Bulkhead bulkhead = Bulkhead.create("short", BulkheadConfig.ofPermits(1).withAcquireTimeout(timeout));
		bulkhead.acquire();
		long start = System.nanoTime();
		assertThatThrownBy(bulkhead::acquire).isInstanceOfSatisfying(BulkheadException.class,
				(ex) -> assertThat(ex.reason()).isEqualTo(BulkheadException.Reason.FULL));
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
	}

	@ParameterizedTest(name = "acquire-timeout {0}")
	@MethodSource("huge")
	void hugeAcquireTimeoutWaitsUntilAPermitComesBack(Duration timeout) throws Exception {
		Bulkhead bulkhead = Bulkhead.create("huge", BulkheadConfig.ofPermits(1).withAcquireTimeout(timeout));
		Bulkhead.Permit held = bulkhead.acquire();
		CompletableFuture<Bulkhead.Permit> waiter = async(bulkhead::acquire);
		Thread.sleep(200);
		assertThat(waiter).as("the caller waits for a permit").isNotDone();
		held.close();
		assertThat(waiter).succeedsWithin(Duration.ofSeconds(10));
	}

	// Bulkhead.acquire(count, timeout)

	@ParameterizedTest(name = "count {0}")
	@ValueSource(ints = { 0, -1, Integer.MIN_VALUE })
	void acquireCountBelowOneIsRefusedNamingTheSetting(int count) {
		Bulkhead bulkhead = Bulkhead.create("count", BulkheadConfig.ofPermits(10));
		assertRefused(() -> bulkhead.acquire(count, Duration.ZERO), "count", "at least 1");
		assertRefused(() -> bulkhead.tryAcquire(count), "count", "at least 1");
	}

	@Test
	void acquireCountAboveTheLimitIsRefusedNamingTheLimit() {
		Bulkhead bulkhead = Bulkhead.create("count", BulkheadConfig.ofPermits(10));
		assertThatIllegalArgumentException().isThrownBy(() -> bulkhead.acquire(Integer.MAX_VALUE, Duration.ZERO))
			.withMessageContaining("10 permits")
			.withMessageContaining(String.valueOf(Integer.MAX_VALUE));
	}

	@ParameterizedTest(name = "acquire(Integer.MAX_VALUE, {0})")
	@MethodSource("huge")
	void acquireOfIntegerMaxPermitsWithAHugeTimeoutWaitsForTheLastOne(Duration timeout) throws Exception {
		Bulkhead bulkhead = Bulkhead.create("all", BulkheadConfig.ofPermits(Integer.MAX_VALUE));
		Bulkhead.Permit one = bulkhead.acquire(1, Duration.ZERO);
		CompletableFuture<Bulkhead.Permit> all = async(() -> bulkhead.acquire(Integer.MAX_VALUE, timeout));
		Thread.sleep(200);
		assertThat(all).as("the caller waits for every permit").isNotDone();
		one.close();
		assertThat(all).succeedsWithin(Duration.ofSeconds(10))
			.satisfies((permit) -> assertThat(permit.count()).isEqualTo(Integer.MAX_VALUE));
	}

	@ParameterizedTest(name = "acquire(1, {0})")
	@MethodSource("noWait")
	void acquireWithZeroOrOneNanosecondFailsAtOnceWhenFull(Duration timeout) throws Exception {
		Bulkhead bulkhead = Bulkhead.create("short", BulkheadConfig.ofPermits(1));
		bulkhead.acquire(1, Duration.ZERO);
		long start = System.nanoTime();
		assertThatThrownBy(() -> bulkhead.acquire(1, timeout)).isInstanceOfSatisfying(BulkheadException.class,
				(ex) -> assertThat(ex.reason()).isEqualTo(BulkheadException.Reason.FULL));
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
	}

	@ParameterizedTest(name = "acquire(1, {0})")
	@MethodSource("negative")
	void acquireWithANegativeTimeoutFailsAtOnceWhenFullOrIsRefused(Duration timeout) throws Exception {
		Bulkhead bulkhead = Bulkhead.create("negative", BulkheadConfig.ofPermits(1));
		bulkhead.acquire(1, Duration.ZERO);
		long start = System.nanoTime();
		failsOrIsRefused("timeout", () -> bulkhead.acquire(1, timeout),
				(thrown) -> assertThat(thrown).isInstanceOfSatisfying(BulkheadException.class,
						(ex) -> assertThat(ex.reason()).isEqualTo(BulkheadException.Reason.FULL)));
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
	}

	// Bulkhead.setPermits

	@ParameterizedTest(name = "setPermits({0})")
	@ValueSource(ints = { 0, -1, Integer.MIN_VALUE })
	void setPermitsBelowOneIsRefusedNamingTheSetting(int permits) {
		Bulkhead bulkhead = Bulkhead.create("set", BulkheadConfig.ofPermits(10));
		assertRefused(() -> bulkhead.setPermits(permits), "permits", "at least 1");
		assertThat(bulkhead.permits()).isEqualTo(10);
	}

	@Test
	void setPermitsToOneAndToIntegerMaxChangesTheLimit() throws Exception {
		Bulkhead bulkhead = Bulkhead.create("set", BulkheadConfig.ofPermits(10));
		bulkhead.setPermits(1);
		assertThat(bulkhead.stats().available()).isEqualTo(1);
		bulkhead.setPermits(Integer.MAX_VALUE);
		assertThat(bulkhead.stats().available()).isEqualTo(Integer.MAX_VALUE);
		try (Bulkhead.Permit permit = bulkhead.acquire(Integer.MAX_VALUE, Duration.ZERO)) {
			assertThat(bulkhead.stats().inUse()).isEqualTo(Integer.MAX_VALUE);
		}
		assertThat(bulkhead.stats().available()).isEqualTo(Integer.MAX_VALUE);
	}

	// stopIntake near Integer.MAX_VALUE, then acquire and release

	@ParameterizedTest(name = "permits {0}")
	@ValueSource(ints = { Integer.MAX_VALUE / 2 + 2, Integer.MAX_VALUE - 1, Integer.MAX_VALUE })
	void stopIntakeWithAHighLimitAndNothingHeldRefusesLaterAcquires(int permits) {
		Bulkhead bulkhead = Bulkhead.create("high", BulkheadConfig.ofPermits(permits));
		assertThatCode(bulkhead::stopIntake).as("stopIntake").doesNotThrowAnyException();
		assertShutdown(bulkhead);
	}

	@ParameterizedTest(name = "permits {0}")
	@ValueSource(ints = { Integer.MAX_VALUE / 2 + 2, Integer.MAX_VALUE - 1, Integer.MAX_VALUE })
	void stopIntakeWithAHighLimitAllHeldWakesTheWaiterAndTakesThePermitsBack(int permits) throws Exception {
		Bulkhead bulkhead = Bulkhead.create("high", BulkheadConfig.ofPermits(permits));
		Bulkhead.Permit all = bulkhead.acquire(permits, Duration.ZERO);
		CompletableFuture<Bulkhead.Permit> waiter = async(
				() -> bulkhead.acquire(1, Duration.ofSeconds(Long.MAX_VALUE)));
		Thread.sleep(200);
		assertThatCode(bulkhead::stopIntake).as("stopIntake").doesNotThrowAnyException();
		assertThat(waiter).failsWithin(Duration.ofSeconds(5))
			.withThrowableOfType(Exception.class)
			.havingCause()
			.isInstanceOfSatisfying(BulkheadException.class,
					(ex) -> assertThat(ex.reason()).isEqualTo(BulkheadException.Reason.SHUT_DOWN));
		assertThatCode(all::close).as("releasing after stopIntake").doesNotThrowAnyException();
		assertShutdown(bulkhead);
	}

	@Test
	void setPermitsToIntegerMaxAfterStopIntakeNeitherThrowsAnErrorNorReopens() {
		Bulkhead bulkhead = Bulkhead.create("stopped", BulkheadConfig.ofPermits(10));
		bulkhead.stopIntake();
		try {
			bulkhead.setPermits(Integer.MAX_VALUE);
		}
		catch (IllegalStateException ex) {
			// refusing to resize a stopped bulkhead is fine too
		}
		catch (Throwable ex) {
			throw new AssertionError("setPermits after stopIntake threw " + ex, ex);
		}
		assertShutdown(bulkhead);
	}

	@Test
	void setPermitsToIntegerMaxThenStopIntakeRefusesLaterAcquires() {
		Bulkhead bulkhead = Bulkhead.create("raised", BulkheadConfig.ofPermits(10));
		bulkhead.setPermits(Integer.MAX_VALUE);
		assertThatCode(bulkhead::stopIntake).as("stopIntake").doesNotThrowAnyException();
		assertShutdown(bulkhead);
	}

	// helpers

	private static void assertShutdown(Bulkhead bulkhead) {
		assertThat(bulkhead.isShutdown()).isTrue();
		assertThatThrownBy(() -> bulkhead.acquire(1, Duration.ZERO)).isInstanceOfSatisfying(BulkheadException.class,
				(ex) -> assertThat(ex.reason()).isEqualTo(BulkheadException.Reason.SHUT_DOWN));
		assertThatThrownBy(() -> bulkhead.tryAcquire(1)).isInstanceOfSatisfying(BulkheadException.class,
				(ex) -> assertThat(ex.reason()).isEqualTo(BulkheadException.Reason.SHUT_DOWN));
		assertThat(bulkhead.stats().available()).isZero();
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

}
