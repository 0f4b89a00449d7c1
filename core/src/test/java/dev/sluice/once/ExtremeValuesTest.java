package dev.sluice.once;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * The extremes matrix of
 * {@link SingleFlight#get(Object, java.util.function.Supplier, Duration)}: the timeout at
 * 0, 1ns, huge and negative, for a caller that runs the loader and for one that waits for
 * another's run. Never an {@link ArithmeticException}, an {@link Error} or a hang.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ExtremeValuesTest {

	private static final Duration PROMPT = Duration.ofSeconds(2);

	private final SingleFlight<String, String> flights = new SingleFlight<>();

	private final CountDownLatch release = new CountDownLatch(1);

	private final AtomicInteger loads = new AtomicInteger();

	@AfterEach
	void releaseTheLoader() {
		this.release.countDown();
	}

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

	static Stream<Named<Duration>> all() {
		return Stream.of(huge(), noWait(), negative()).flatMap((durations) -> durations);
	}

	@ParameterizedTest(name = "get(.., {0})")
	@MethodSource("all")
	void theCallerThatRunsTheLoaderGetsItsValueWhateverTheTimeout(Duration timeout) throws Exception {
		assertThat(this.flights.get("key", () -> "value", timeout)).isEqualTo("value");
		assertThat(this.flights.inFlight()).isZero();
	}

	@ParameterizedTest(name = "get(.., {0})")
	@MethodSource("huge")
	void aWaiterWithAHugeTimeoutGetsTheSharedValueWhenTheRunEnds(Duration timeout) throws Exception {
		CompletableFuture<String> first = startSlowRun();
		CompletableFuture<String> waiter = async(() -> this.flights.get("key", this::load, timeout));
		Thread.sleep(200);
		assertThat(waiter).as("the waiter waits for the run in flight").isNotDone();
		this.release.countDown();
		assertThat(waiter).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("loaded");
		assertThat(first).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("loaded");
		assertThat(this.loads).hasValue(1);
	}

	@ParameterizedTest(name = "get(.., {0})")
	@MethodSource("noWait")
	void aWaiterWithZeroOrOneNanosecondTimesOutAtOnceAndTheRunGoesOn(Duration timeout) throws Exception {
		CompletableFuture<String> first = startSlowRun();
		long start = System.nanoTime();
		Throwable thrown = catchThrowable(() -> this.flights.get("key", this::load, timeout));
		assertThat(thrown).isInstanceOf(TimeoutException.class);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
		this.release.countDown();
		assertThat(first).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("loaded");
		assertThat(this.loads).hasValue(1);
	}

	@ParameterizedTest(name = "get(.., {0})")
	@MethodSource("negative")
	void aWaiterWithANegativeTimeoutTimesOutAtOnceOrIsRefused(Duration timeout) throws Exception {
		CompletableFuture<String> first = startSlowRun();
		long start = System.nanoTime();
		Throwable thrown = catchThrowable(() -> this.flights.get("key", this::load, timeout));
		if (thrown instanceof IllegalArgumentException) {
			assertThat(thrown.getMessage()).as("message of the refusal")
				.contains("timeout")
				.containsPattern("at least|or more|zero or|positive");
		}
		else {
			assertThat(thrown).isInstanceOf(TimeoutException.class);
		}
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
		this.release.countDown();
		assertThat(first).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("loaded");
	}

	/**
	 * Starts a run for "key" on another thread, which loads until {@link #release} is
	 * counted down.
	 */
	private CompletableFuture<String> startSlowRun() {
		CompletableFuture<String> first = async(() -> this.flights.get("key", this::load));
		await().atMost(Duration.ofSeconds(10)).until(() -> this.flights.inFlight() == 1);
		return first;
	}

	private String load() {
		this.loads.incrementAndGet();
		try {
			this.release.await(20, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		return "loaded";
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

}
