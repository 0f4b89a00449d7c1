package dev.sluice.pool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import dev.sluice.pool.QueueOverflow;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
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
import static org.awaitility.Awaitility.await;

/**
 * The extremes matrix of the pool package: every duration at 0, 1ns, huge and negative,
 * every count at 0, 1, {@code Integer.MAX_VALUE} and negative. Each case either works as
 * documented (a huge duration means "a very long time") or is refused at creation with an
 * {@link IllegalArgumentException} that names the setting and what is allowed; never an
 * {@link ArithmeticException}, an {@link Error} or a hang.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ExtremeValuesTest {

	/**
	 * How quickly a call that must not wait has to return, generous for a loaded machine.
	 */
	private static final Duration PROMPT = Duration.ofSeconds(2);

	private final List<WorkerPool> pools = new ArrayList<>();

	private final CountDownLatch release = new CountDownLatch(1);

	@AfterEach
	void closePools() {
		this.release.countDown();
		this.pools.forEach(WorkerPool::abandonRemaining);
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

	// PoolConfig.workers

	@ParameterizedTest(name = "workers {0}")
	@ValueSource(ints = { 0, -1, Integer.MIN_VALUE, PoolConfig.MAX_WORKERS + 1, Integer.MAX_VALUE })
	void workersOutsideTheirRangeAreRefusedNamingTheSettingAndTheRange(int workers) {
		assertRefused(() -> PoolConfig.defaults().withWorkers(workers), "workers", "between 1 and 32767");
	}

	@ParameterizedTest(name = "workers {0}")
	@ValueSource(ints = { 1, PoolConfig.MAX_WORKERS })
	void poolWithOneOrTheMostWorkersRunsTasksAndBatches(int workers) throws Exception {
		WorkerPool pool = created(() -> pool("workers", PoolConfig.defaults().withWorkers(workers)));
		List<CompletableFuture<Integer>> futures = IntStream.range(0, 5)
			.mapToObj((i) -> pool.submit(() -> i * 2))
			.toList();
		for (int i = 0; i < futures.size(); i++) {
			assertThat(futures.get(i)).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(i * 2);
		}
		List<Integer> items = IntStream.range(0, 200).boxed().toList();
		assertThat(pool.map(items, (item) -> item + 1)).isEqualTo(IntStream.range(1, 201).boxed().toList());
	}

	@ParameterizedTest(name = "workers {0}")
	@ValueSource(ints = { 1, PoolConfig.MAX_WORKERS })
	void mapOnAPoolOfOneOrTheMostWorkersSpreadsTheItemsOverItsWorkers(int workers) throws Exception {
		WorkerPool pool = created(() -> pool("map", PoolConfig.defaults().withWorkers(workers)));
		Set<String> threads = ConcurrentHashMap.newKeySet();
		List<Integer> items = IntStream.range(0, 50).boxed().toList();
		List<Integer> results = pool.map(items, (item) -> {
			threads.add(Thread.currentThread().getName());
			try {
				Thread.sleep(5);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return item;
		});
		assertThat(results).isEqualTo(items);
		assertThat(threads).as("threads that ran items").anyMatch((name) -> name.startsWith("sluice-map-"));
	}

	// PoolConfig.queueCapacity

	@ParameterizedTest(name = "queue-capacity {0}")
	@ValueSource(ints = { -1, Integer.MIN_VALUE })
	void negativeQueueCapacityIsRefusedNamingTheSetting(int capacity) {
		assertRefused(() -> PoolConfig.defaults().withQueueCapacity(capacity), "queue-capacity", "0 or more");
	}

	@Test
	void queueCapacityZeroAcceptsATaskOnlyWhenAWorkerIsFreeToTakeIt() throws Exception {
		WorkerPool pool = pool("queue-0",
				new PoolConfig(1, 0, QueueOverflow.REJECT, Duration.ZERO, PoolConfig.Threads.PLATFORM));
		occupyTheOnlyWorker(pool);
		assertThatThrownBy(() -> pool.submit(() -> 1)).isInstanceOfSatisfying(TaskRejectedException.class,
				(ex) -> assertThat(ex.reason()).isEqualTo(TaskRejectedException.Reason.QUEUE_FULL));
		this.release.countDown();
		await().atMost(Duration.ofSeconds(10))
			.ignoreExceptions()
			.until(() -> pool.submit(() -> 7).get(10, TimeUnit.SECONDS) == 7);
	}

	@Test
	void queueCapacityOneHoldsOneWaitingTask() throws Exception {
		WorkerPool pool = pool("queue-1",
				new PoolConfig(1, 1, QueueOverflow.REJECT, Duration.ZERO, PoolConfig.Threads.PLATFORM));
		occupyTheOnlyWorker(pool);
		CompletableFuture<Integer> queued = pool.submit(() -> 1);
		assertThat(pool.stats().queued()).isEqualTo(1);
		assertThatThrownBy(() -> pool.submit(() -> 2)).isInstanceOfSatisfying(TaskRejectedException.class,
				(ex) -> assertThat(ex.reason()).isEqualTo(TaskRejectedException.Reason.QUEUE_FULL));
		this.release.countDown();
		assertThat(queued).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(1);
	}

	@Test
	void queueCapacityOfIntegerMaxIsNotAllocatedUpFrontAndQueuesTasks() throws Exception {
		WorkerPool pool = created(() -> pool("queue-max", new PoolConfig(1, Integer.MAX_VALUE, QueueOverflow.REJECT,
				Duration.ZERO, PoolConfig.Threads.PLATFORM)));
		occupyTheOnlyWorker(pool);
		List<CompletableFuture<Integer>> queued = IntStream.range(0, 1000)
			.mapToObj((i) -> pool.submit(() -> i))
			.toList();
		assertThat(pool.stats().queued()).isEqualTo(1000);
		this.release.countDown();
		for (int i = 0; i < queued.size(); i++) {
			assertThat(queued.get(i)).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(i);
		}
	}

	// PoolConfig.submitTimeout, and submit under BLOCK

	@ParameterizedTest(name = "submit-timeout {0}")
	@MethodSource("negative")
	void negativeSubmitTimeoutIsRefusedNamingTheSetting(Duration timeout) {
		assertRefused(() -> PoolConfig.defaults().withSubmitTimeout(timeout), "submit-timeout", "zero or more");
	}

	@ParameterizedTest(name = "submit-timeout {0}")
	@MethodSource("noWait")
	void submitTimeoutOfZeroOrOneNanosecondRejectsAtOnceWhenThePoolIsFull(Duration timeout) throws Exception {
		WorkerPool pool = pool("block-short",
				new PoolConfig(1, 1, QueueOverflow.BLOCK, timeout, PoolConfig.Threads.PLATFORM));
		occupyTheOnlyWorker(pool);
		pool.submit(() -> 1);
		long start = System.nanoTime();
		assertThatThrownBy(() -> pool.submit(() -> 2)).isInstanceOfSatisfying(TaskRejectedException.class,
				(ex) -> assertThat(ex.reason()).isEqualTo(TaskRejectedException.Reason.TIMED_OUT));
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
	}

	@ParameterizedTest(name = "submit-timeout {0}")
	@MethodSource("huge")
	void hugeSubmitTimeoutWaitsUntilThereIsRoomThenAccepts(Duration timeout) throws Exception {
		WorkerPool pool = pool("block-huge",
				new PoolConfig(1, 1, QueueOverflow.BLOCK, timeout, PoolConfig.Threads.PLATFORM));
		occupyTheOnlyWorker(pool);
		pool.submit(() -> 1);
		CompletableFuture<CompletableFuture<Integer>> submission = async(() -> pool.submit(() -> 2));
		Thread.sleep(200);
		assertThat(submission).as("the submitter waits for room").isNotDone();
		this.release.countDown();
		assertThat(submission).succeedsWithin(Duration.ofSeconds(10))
			.satisfies((future) -> assertThat(future).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(2));
	}

	@ParameterizedTest(name = "submit-timeout {0}")
	@MethodSource("huge")
	void hugeSubmitTimeoutStillEndsPromptlyWhenThePoolStops(Duration timeout) throws Exception {
		WorkerPool pool = pool("block-stop",
				new PoolConfig(1, 1, QueueOverflow.BLOCK, timeout, PoolConfig.Threads.PLATFORM));
		occupyTheOnlyWorker(pool);
		pool.submit(() -> 1);
		CompletableFuture<CompletableFuture<Integer>> submission = async(() -> pool.submit(() -> 2));
		Thread.sleep(200);
		pool.stopIntake();
		assertThat(submission).failsWithin(Duration.ofSeconds(5))
			.withThrowableOfType(Exception.class)
			.havingCause()
			.isInstanceOfSatisfying(TaskRejectedException.class,
					(ex) -> assertThat(ex.reason()).isEqualTo(TaskRejectedException.Reason.SHUT_DOWN));
	}

	// WorkerPool.awaitDrained

	@ParameterizedTest(name = "awaitDrained({0})")
	@MethodSource("huge")
	void awaitDrainedWithAHugeTimeoutOnAStoppedIdlePoolReturnsAtOnce(Duration timeout) throws Exception {
		WorkerPool pool = pool("drained-idle", PoolConfig.defaults().withWorkers(2));
		assertThat(pool.submit(() -> 1)).succeedsWithin(Duration.ofSeconds(10));
		pool.stopIntake();
		long start = System.nanoTime();
		assertThat(pool.awaitDrained(timeout)).isTrue();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
	}

	@ParameterizedTest(name = "awaitDrained({0})")
	@MethodSource("huge")
	void awaitDrainedWithAHugeTimeoutReturnsWhenTheLastTaskEnds(Duration timeout) throws Exception {
		WorkerPool pool = pool("drained-busy", PoolConfig.defaults().withWorkers(1));
		occupyTheOnlyWorker(pool);
		pool.stopIntake();
		releaseIn(Duration.ofMillis(200));
		assertThat(pool.awaitDrained(timeout)).isTrue();
		assertThat(pool.isTerminated()).isTrue();
	}

	@ParameterizedTest(name = "awaitDrained({0})")
	@MethodSource("noWait")
	void awaitDrainedWithZeroOrOneNanosecondAnswersAtOnce(Duration timeout) throws Exception {
		WorkerPool pool = pool("drained-now", PoolConfig.defaults().withWorkers(1));
		occupyTheOnlyWorker(pool);
		pool.stopIntake();
		long start = System.nanoTime();
		assertThat(pool.awaitDrained(timeout)).isFalse();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
		this.release.countDown();
		await().atMost(Duration.ofSeconds(10)).until(() -> pool.awaitDrained(timeout));
	}

	@ParameterizedTest(name = "awaitDrained({0})")
	@MethodSource("negative")
	void awaitDrainedWithANegativeTimeoutAnswersAtOnceOrIsRefused(Duration timeout) throws Exception {
		WorkerPool pool = pool("drained-negative", PoolConfig.defaults().withWorkers(1));
		occupyTheOnlyWorker(pool);
		pool.stopIntake();
		worksOrIsRefused("timeout", () -> {
			long start = System.nanoTime();
			assertThat(pool.awaitDrained(timeout)).isFalse();
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
		});
	}

	// TaskGroup.limit

	@ParameterizedTest(name = "limit {0}")
	@ValueSource(ints = { 0, -1, Integer.MIN_VALUE })
	void groupLimitBelowOneIsRefusedNamingTheSetting(int limit) {
		try (TaskGroup group = TaskGroup.create()) {
			assertRefused(() -> group.limit(limit), "limit", "at least 1");
		}
	}

	@Test
	void groupLimitOfOneRunsOneTaskAtATime() throws Exception {
		AtomicInteger running = new AtomicInteger();
		AtomicInteger most = new AtomicInteger();
		try (TaskGroup group = TaskGroup.create().limit(1)) {
			for (int i = 0; i < 4; i++) {
				group.fork(() -> {
					most.accumulateAndGet(running.incrementAndGet(), Math::max);
					Thread.sleep(20);
					running.decrementAndGet();
					return null;
				});
			}
			group.join();
		}
		assertThat(most).hasValue(1);
	}

	@Test
	void groupLimitOfIntegerMaxLetsEveryTaskRunAtOnce() throws Exception {
		int tasks = 8;
		CountDownLatch allRunning = new CountDownLatch(tasks);
		try (TaskGroup group = TaskGroup.create().limit(Integer.MAX_VALUE)) {
			for (int i = 0; i < tasks; i++) {
				group.fork(() -> {
					allRunning.countDown();
					if (!allRunning.await(10, TimeUnit.SECONDS)) {
						throw new IllegalStateException("the tasks did not all run at once");
					}
					return null;
				});
			}
			group.join();
		}
	}

	// TaskGroup.join(Duration)

	@ParameterizedTest(name = "join({0})")
	@MethodSource("huge")
	void joinWithAHugeTimeoutOnAFinishedGroupReturnsAtOnce(Duration timeout) throws Exception {
		try (TaskGroup group = TaskGroup.create()) {
			CompletableFuture<Integer> task = group.fork(() -> 42);
			assertThat(task).succeedsWithin(Duration.ofSeconds(10));
			long start = System.nanoTime();
			group.join(timeout);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
		}
	}

	@ParameterizedTest(name = "join({0})")
	@MethodSource("huge")
	void joinWithAHugeTimeoutReturnsWhenTheLastTaskEnds(Duration timeout) throws Exception {
		try (TaskGroup group = TaskGroup.create()) {
			CompletableFuture<Integer> task = group.fork(() -> {
				Thread.sleep(200);
				return 42;
			});
			group.join(timeout);
			assertThat(task).isCompletedWithValue(42);
		}
	}

	@ParameterizedTest(name = "join({0})")
	@MethodSource("noWait")
	void joinWithZeroOrOneNanosecondTimesOutAtOnceAndInterruptsTheTasks(Duration timeout) {
		try (TaskGroup group = TaskGroup.create()) {
			CompletableFuture<Object> task = group.fork(() -> {
				Thread.sleep(TimeUnit.SECONDS.toMillis(20));
				return null;
			});
			long start = System.nanoTime();
			assertThatThrownBy(() -> group.join(timeout)).isInstanceOf(TimeoutException.class);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
			assertThat(task).failsWithin(Duration.ofSeconds(5));
		}
	}

	@ParameterizedTest(name = "join({0})")
	@MethodSource("noWait")
	void joinWithZeroOrOneNanosecondOnAFinishedGroupReturnsNormally(Duration timeout) throws Exception {
		try (TaskGroup group = TaskGroup.create()) {
			assertThat(group.fork(() -> 42)).succeedsWithin(Duration.ofSeconds(10));
			await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> group.join(timeout));
		}
	}

	@ParameterizedTest(name = "join({0})")
	@MethodSource("negative")
	void joinWithANegativeTimeoutTimesOutAtOnceOrIsRefused(Duration timeout) {
		try (TaskGroup group = TaskGroup.create()) {
			group.fork(() -> {
				Thread.sleep(TimeUnit.SECONDS.toMillis(20));
				return null;
			});
			long start = System.nanoTime();
			failsOrIsRefused("timeout", () -> group.join(timeout),
					(thrown) -> assertThat(thrown).isInstanceOf(TimeoutException.class));
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
		}
	}

	// helpers

	private WorkerPool pool(String name, PoolConfig config) {
		WorkerPool pool = WorkerPool.create(name, config);
		this.pools.add(pool);
		return pool;
	}

	/** Occupies the pool's only worker until {@link #release} is counted down. */
	private void occupyTheOnlyWorker(WorkerPool pool) throws InterruptedException {
		CountDownLatch started = new CountDownLatch(1);
		pool.submit(() -> {
			started.countDown();
			Threads.await(this.release);
			return null;
		});
		Threads.await(started);
	}

	private void releaseIn(Duration delay) {
		async(() -> {
			Thread.sleep(delay.toMillis());
			this.release.countDown();
			return null;
		});
	}

	/**
	 * Runs the call on a thread of its own (not the common pool, which a blocked test
	 * could starve).
	 */
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

	/**
	 * Creates something that must work; an exception or error (an
	 * {@link OutOfMemoryError}, say) fails the test as an assertion, which JUnit reports
	 * like any other failure.
	 */
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

	/**
	 * Runs a case that may either work (its assertions pass) or be refused with an
	 * {@link IllegalArgumentException} whose message names the setting and the allowed
	 * range.
	 */
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
