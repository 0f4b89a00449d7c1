package dev.sluice.timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The extremes matrix of {@link Timeout}: the timeout at 0, 1ns, huge and negative. A
 * huge timeout means "a very long time": the work runs to its end and its result comes
 * back; a zero or tiny one stops work that would run long at once. Never an
 * {@link ArithmeticException}, an {@link Error} or a hang.
 */
@org.junit.jupiter.api.Timeout(value = 30, unit = TimeUnit.SECONDS,
		threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
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

	@ParameterizedTest(name = "call({0})")
	@MethodSource("huge")
	void callWithAHugeTimeoutReturnsTheResultAtOnce(Duration timeout) throws Exception {
		long start = System.nanoTime();
		assertThat(Timeout.call(timeout, () -> 42)).isEqualTo(42);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
		assertThat(Deadline.current()).isEmpty();
	}

	@ParameterizedTest(name = "call({0})")
	@MethodSource("huge")
	void callWithAHugeTimeoutLetsTheWorkRunToItsEnd(Duration timeout) throws Exception {
		AtomicBoolean interrupted = new AtomicBoolean();
		String result = Timeout.call(timeout, () -> {
			try {
				Thread.sleep(200);
			}
			catch (InterruptedException ex) {
				interrupted.set(true);
			}
			return "done";
		});
		assertThat(result).isEqualTo("done");
		assertThat(interrupted).isFalse();
	}

	@ParameterizedTest(name = "run({0})")
	@MethodSource("huge")
	void runWithAHugeTimeoutRunsTheWork(Duration timeout) throws Exception {
		AtomicBoolean ran = new AtomicBoolean();
		Timeout.run(timeout, () -> ran.set(true));
		assertThat(ran).isTrue();
	}

	@ParameterizedTest(name = "call({0})")
	@MethodSource("huge")
	void aHugeTimeoutGivesTheWorkADeadlineFarAway(Duration timeout) throws Exception {
		Duration remaining = Timeout.call(timeout, () -> Deadline.current().orElseThrow().remaining());
		assertThat(remaining).isGreaterThan(Duration.ofDays(365 * 50));
		assertThat(Timeout.call(timeout, () -> Deadline.current().orElseThrow().timeout())).isEqualTo(timeout);
	}

	@ParameterizedTest(name = "call({0}) nested in call(1s)")
	@MethodSource("huge")
	void aHugeTimeoutNestedInAShortOneKeepsTheShortDeadline(Duration timeout) throws Exception {
		Duration remaining = Timeout.call(Duration.ofSeconds(1),
				() -> Timeout.call(timeout, () -> Deadline.current().orElseThrow().remaining()));
		assertThat(remaining).isLessThanOrEqualTo(Duration.ofSeconds(1));
	}

	@ParameterizedTest(name = "call({0})")
	@MethodSource("noWait")
	void callWithZeroOrOneNanosecondStopsLongWorkAtOnce(Duration timeout) {
		long start = System.nanoTime();
		assertThatThrownBy(() -> Timeout.call(timeout, () -> {
			Thread.sleep(TimeUnit.SECONDS.toMillis(20));
			return null;
		})).isInstanceOf(TimeoutException.class);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
		assertThat(Thread.currentThread().isInterrupted()).as("no interrupt leaks to the caller").isFalse();
		assertThat(Deadline.current()).isEmpty();
	}

	@ParameterizedTest(name = "call({0})")
	@MethodSource("negative")
	void callWithANegativeTimeoutStopsLongWorkAtOnceOrIsRefused(Duration timeout) {
		long start = System.nanoTime();
		Throwable thrown = catchThrowable(() -> Timeout.call(timeout, () -> {
			Thread.sleep(TimeUnit.SECONDS.toMillis(20));
			return null;
		}));
		if (thrown instanceof IllegalArgumentException) {
			assertThat(thrown.getMessage()).as("message of the refusal")
				.contains("timeout")
				.containsPattern("at least|or more|zero or|positive");
		}
		else {
			assertThat(thrown).isInstanceOf(TimeoutException.class);
		}
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
		assertThat(Thread.currentThread().isInterrupted()).as("no interrupt leaks to the caller").isFalse();
		assertThat(Deadline.current()).isEmpty();
	}

}
