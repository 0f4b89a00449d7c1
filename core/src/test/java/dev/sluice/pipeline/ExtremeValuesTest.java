package dev.sluice.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import dev.sluice.pool.PoolConfig;
import dev.sluice.pool.QueueOverflow;
import dev.sluice.pool.WorkerPool;
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
 * The extremes matrix of the pipeline package: buffers, stage workers, channel capacities
 * and batch sizes at 0, 1, {@code Integer.MAX_VALUE} and negative; every timeout at 0,
 * 1ns, huge and negative. Each case either works as documented or is refused with an
 * {@link IllegalArgumentException} that names the setting and what is allowed; never an
 * {@link ArithmeticException}, an {@link Error} or a hang.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ExtremeValuesTest {

	private static final Duration PROMPT = Duration.ofSeconds(2);

	/** How long a pipeline over a few items may take before it counts as hung. */
	private static final Duration HUNG = Duration.ofSeconds(10);

	private static final List<Integer> ITEMS = IntStream.range(0, 100).boxed().toList();

	private static final List<Integer> DOUBLED = IntStream.range(0, 100).map((i) -> i * 2).boxed().toList();

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

	// Pipeline.buffer

	@ParameterizedTest(name = "buffer {0}")
	@ValueSource(ints = { 0, -1, Integer.MIN_VALUE })
	void bufferBelowOneIsRefusedNamingTheSetting(int buffer) {
		assertRefused(() -> Pipeline.from(ITEMS).buffer(buffer), "buffer", "at least 1");
	}

	@ParameterizedTest(name = "buffer {0}")
	@ValueSource(ints = { 1, Integer.MAX_VALUE })
	void bufferOfOneOrIntegerMaxRunsThePipeline(int buffer) throws Exception {
		List<Integer> out = Pipeline.from(ITEMS).buffer(buffer).map("double", 2, (i) -> i * 2).toList(HUNG);
		assertThat(out).containsExactlyInAnyOrderElementsOf(DOUBLED);
	}

	@ParameterizedTest(name = "buffer {0}")
	@ValueSource(ints = { 1, Integer.MAX_VALUE })
	void bufferOfOneOrIntegerMaxKeepsTheOrderWhenAsked(int buffer) throws Exception {
		List<Integer> out = Pipeline.from(ITEMS).buffer(buffer).keepOrder().map("double", 2, (i) -> i * 2).toList(HUNG);
		assertThat(out).containsExactlyElementsOf(DOUBLED);
	}

	@Test
	void hugeBufferWithSeveralStagesKeepsTheOrderWhenAsked() throws Exception {
		List<Integer> out = Pipeline.from(ITEMS)
			.buffer(Integer.MAX_VALUE / 2 + 1)
			.keepOrder()
			.map("double", 2, (i) -> i * 2)
			.filter("all", 1, (i) -> true)
			.toList(HUNG);
		assertThat(out).containsExactlyElementsOf(DOUBLED);
	}

	// stage workers

	@ParameterizedTest(name = "workers {0}")
	@ValueSource(ints = { 0, -1, Integer.MIN_VALUE, Pipeline.MAX_STAGE_WORKERS + 1, Integer.MAX_VALUE })
	void stageWorkersOutsideTheirRangeAreRefusedNamingTheSettingAndTheRange(int workers) {
		assertRefused(() -> Pipeline.from(ITEMS).map("double", workers, (i) -> i * 2), "workers",
				"between 1 and 10000");
	}

	@Test
	void stageWithOneWorkerRunsThePipeline() throws Exception {
		assertThat(Pipeline.from(ITEMS).keepOrder().map("double", 1, (i) -> i * 2).toList(HUNG))
			.containsExactlyElementsOf(DOUBLED);
	}

	@Test
	void stageWithIntegerMaxWorkersRunsWithTheThreadsItCanUseOrIsRefused() {
		// an executor that stands for finite resources: it refuses to start more than 64
		// threads, so that
		// a pipeline that tries to start two billion cannot take the machine down with it
		BoundedExecutor executor = new BoundedExecutor(64);
		worksOrIsRefused("workers", () -> {
			List<Integer> out = Pipeline.from(ITEMS)
				.map("double", Integer.MAX_VALUE, (i) -> i * 2)
				.on(executor)
				.toList(HUNG);
			assertThat(out).containsExactlyInAnyOrderElementsOf(DOUBLED);
		});
	}

	@Test
	void stageWithIntegerMaxWorkersOnASmallPoolIsRefusedBeforeItStarts() {
		WorkerPool pool = WorkerPool.create("pipeline-small",
				new PoolConfig(4, 0, QueueOverflow.REJECT, Duration.ZERO, PoolConfig.Threads.PLATFORM));
		// the source never ends, so that a pipeline wrongly started occupies the pool and
		// is refused by it
		Channel<Integer> endless = Channel.bounded(10);
		try {
			assertThatIllegalArgumentException().isThrownBy(
					() -> Pipeline.from(endless).map("double", Integer.MAX_VALUE, (i) -> i * 2).on(pool).toList(HUNG))
				.withMessageContaining("workers");
		}
		finally {
			endless.close();
			pool.abandonRemaining();
		}
	}

	// Pipeline.toList(Duration)

	@ParameterizedTest(name = "toList({0})")
	@MethodSource("huge")
	void toListWithAHugeTimeoutReturnsWhenThePipelineEnds(Duration timeout) throws Exception {
		List<Integer> out = Pipeline.from(ITEMS).keepOrder().map("double", 2, (i) -> i * 2).toList(timeout);
		assertThat(out).containsExactlyElementsOf(DOUBLED);
	}

	@ParameterizedTest(name = "toList({0})")
	@MethodSource("noWait")
	void toListWithZeroOrOneNanosecondStopsTheRunAtOnce(Duration timeout) {
		long start = System.nanoTime();
		assertThatThrownBy(() -> Pipeline.from(ITEMS).map("slow", 1, ExtremeValuesTest::slowly).toList(timeout))
			.isInstanceOf(TimeoutException.class);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
	}

	@ParameterizedTest(name = "toList({0})")
	@MethodSource("negative")
	void toListWithANegativeTimeoutStopsTheRunAtOnceOrIsRefused(Duration timeout) {
		long start = System.nanoTime();
		failsOrIsRefused("timeout",
				() -> Pipeline.from(ITEMS).map("slow", 1, ExtremeValuesTest::slowly).toList(timeout),
				(thrown) -> assertThat(thrown).isInstanceOf(TimeoutException.class));
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
	}

	// Channel.bounded

	@ParameterizedTest(name = "capacity {0}")
	@ValueSource(ints = { 0, -1, Integer.MIN_VALUE })
	void channelCapacityBelowOneIsRefusedNamingTheSetting(int capacity) {
		assertRefused(() -> Channel.bounded(capacity), "capacity", "at least 1");
	}

	@Test
	void channelOfCapacityOneHoldsOneItem() throws Exception {
		Channel<Integer> channel = Channel.bounded(1);
		assertThat(channel.trySend(1)).isTrue();
		assertThat(channel.trySend(2)).isFalse();
		assertThat(channel.receive(Duration.ZERO)).contains(1);
	}

	@Test
	void channelOfCapacityIntegerMaxIsNotAllocatedUpFrontAndHoldsManyItems() throws Exception {
		Channel<Integer> channel = created(() -> Channel.bounded(Integer.MAX_VALUE));
		for (int i = 0; i < 10_000; i++) {
			channel.send(i, Duration.ZERO);
		}
		assertThat(channel.size()).isEqualTo(10_000);
		channel.close();
		List<Integer> received = new ArrayList<>();
		channel.forEach(received::add);
		assertThat(received).containsExactlyElementsOf(IntStream.range(0, 10_000).boxed().toList());
	}

	@Test
	void mergeIntoACapacityOfIntegerMaxForwardsEveryItem() throws Exception {
		Channel<Integer> first = Channel.bounded(10);
		Channel<Integer> second = Channel.bounded(10);
		Channel<Integer> merged = created(() -> Channel.merge(Integer.MAX_VALUE, first, second));
		first.sendAll(List.of(1, 2, 3));
		second.sendAll(List.of(4, 5));
		first.close();
		second.close();
		List<Integer> received = new ArrayList<>();
		merged.forEach(received::add);
		assertThat(received).containsExactlyInAnyOrder(1, 2, 3, 4, 5);
	}

	@ParameterizedTest(name = "capacity {0}")
	@ValueSource(ints = { 0, -1 })
	void mergeIntoACapacityBelowOneIsRefusedNamingTheSetting(int capacity) {
		Channel<Integer> input = Channel.bounded(1);
		input.close();
		assertRefused(() -> Channel.merge(capacity, input), "capacity", "at least 1");
	}

	// Channel.send(item, timeout)

	@ParameterizedTest(name = "send({0})")
	@MethodSource("noWait")
	void sendWithZeroOrOneNanosecondOnAFullChannelTimesOutAtOnce(Duration timeout) throws Exception {
		Channel<Integer> channel = full();
		long start = System.nanoTime();
		assertThatThrownBy(() -> channel.send(2, timeout)).isInstanceOf(TimeoutException.class);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
	}

	@ParameterizedTest(name = "send({0})")
	@MethodSource("negative")
	void sendWithANegativeTimeoutOnAFullChannelTimesOutAtOnceOrIsRefused(Duration timeout) throws Exception {
		Channel<Integer> channel = full();
		failsOrIsRefused("timeout", () -> channel.send(2, timeout),
				(thrown) -> assertThat(thrown).isInstanceOf(TimeoutException.class));
		assertThat(channel.size()).isEqualTo(1);
	}

	@ParameterizedTest(name = "send({0})")
	@MethodSource("huge")
	void sendWithAHugeTimeoutWaitsUntilThereIsRoom(Duration timeout) throws Exception {
		Channel<Integer> channel = full();
		CompletableFuture<Object> sent = async(() -> {
			channel.send(2, timeout);
			return null;
		});
		Thread.sleep(200);
		assertThat(sent).as("the sender waits for room").isNotDone();
		assertThat(channel.receive(Duration.ZERO)).contains(1);
		assertThat(sent).succeedsWithin(Duration.ofSeconds(10));
		assertThat(channel.receive(Duration.ZERO)).contains(2);
	}

	@ParameterizedTest(name = "send({0})")
	@MethodSource("huge")
	void sendWithAHugeTimeoutOnAnOpenChannelWithRoomReturnsAtOnce(Duration timeout) throws Exception {
		Channel<Integer> channel = Channel.bounded(1);
		channel.send(1, timeout);
		assertThat(channel.size()).isEqualTo(1);
	}

	// Channel.receive(timeout)

	@ParameterizedTest(name = "receive({0})")
	@MethodSource("noWait")
	void receiveWithZeroOrOneNanosecondOnAnEmptyChannelTimesOutAtOnce(Duration timeout) {
		Channel<Integer> channel = Channel.bounded(1);
		long start = System.nanoTime();
		assertThatThrownBy(() -> channel.receive(timeout)).isInstanceOf(TimeoutException.class);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
	}

	@ParameterizedTest(name = "receive({0})")
	@MethodSource("negative")
	void receiveWithANegativeTimeoutOnAnEmptyChannelTimesOutAtOnceOrIsRefused(Duration timeout) {
		Channel<Integer> channel = Channel.bounded(1);
		failsOrIsRefused("timeout", () -> channel.receive(timeout),
				(thrown) -> assertThat(thrown).isInstanceOf(TimeoutException.class));
	}

	@ParameterizedTest(name = "receive({0})")
	@MethodSource("huge")
	void receiveWithAHugeTimeoutReturnsTheItemWhenItIsSent(Duration timeout) throws Exception {
		Channel<Integer> channel = Channel.bounded(1);
		CompletableFuture<Optional<Integer>> received = async(() -> channel.receive(timeout));
		Thread.sleep(200);
		assertThat(received).as("the receiver waits for an item").isNotDone();
		channel.send(7, Duration.ZERO);
		assertThat(received).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(Optional.of(7));
	}

	@ParameterizedTest(name = "receive({0})")
	@MethodSource("huge")
	void receiveWithAHugeTimeoutOnAClosedEmptyChannelReturnsTheEndAtOnce(Duration timeout) throws Exception {
		Channel<Integer> channel = Channel.bounded(1);
		channel.close();
		assertThat(channel.receive(timeout)).isEmpty();
	}

	// Channel.receiveAtMost(max): the batch size

	@ParameterizedTest(name = "max {0}")
	@ValueSource(ints = { 0, -1, Integer.MIN_VALUE })
	void receiveAtMostBelowOneIsRefusedNamingTheSetting(int max) {
		Channel<Integer> channel = Channel.bounded(1);
		assertRefused(() -> channel.receiveAtMost(max), "max", "at least 1");
	}

	@Test
	void receiveAtMostOneTakesOneItem() throws Exception {
		Channel<Integer> channel = Channel.bounded(5);
		channel.sendAll(List.of(1, 2, 3));
		assertThat(channel.receiveAtMost(1)).containsExactly(1);
		assertThat(channel.size()).isEqualTo(2);
	}

	@Test
	void receiveAtMostIntegerMaxTakesWhatWaitsWithoutAllocatingForTheMaximum() throws Exception {
		Channel<Integer> channel = Channel.bounded(5);
		channel.sendAll(List.of(1, 2, 3));
		assertThat(channel.receiveAtMost(Integer.MAX_VALUE)).containsExactly(1, 2, 3);
		channel.close();
		assertThat(channel.receiveAtMost(Integer.MAX_VALUE)).isEmpty();
	}

	// helpers

	private static Channel<Integer> full() throws Exception {
		Channel<Integer> channel = Channel.bounded(1);
		channel.send(1, Duration.ZERO);
		return channel;
	}

	private static Integer slowly(Integer item) {
		try {
			Thread.sleep(TimeUnit.SECONDS.toMillis(20));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		return item;
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

	private static <T> T created(Callable<T> creation) {
		try {
			return creation.call();
		}
		catch (AssertionError ex) {
			throw ex;
		}
		catch (Throwable ex) {
			throw new AssertionError("Expected it to be created and work, but creating it threw " + ex, ex);
		}
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

	/**
	 * Runs each task on a new daemon thread, and refuses once it has started
	 * {@code limit} of them.
	 */
	private static final class BoundedExecutor implements Executor {

		private final int limit;

		private final AtomicInteger started = new AtomicInteger();

		BoundedExecutor(int limit) {
			this.limit = limit;
		}

		@Override
		public void execute(Runnable task) {
			if (this.started.incrementAndGet() > this.limit) {
				throw new RejectedExecutionException(
						"the pipeline tried to start more than " + this.limit + " threads for 100 items");
			}
			Thread thread = new Thread(task, "extreme-values-bounded");
			thread.setDaemon(true);
			thread.start();
		}

	}

}
