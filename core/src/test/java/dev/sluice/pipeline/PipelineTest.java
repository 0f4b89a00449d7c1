package dev.sluice.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import dev.sluice.pool.PoolConfig;
import dev.sluice.pool.QueueOverflow;
import dev.sluice.pool.TaskRejectedException;
import dev.sluice.pool.WorkerPool;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class PipelineTest {

	private static final List<Integer> NUMBERS = IntStream.range(0, 10_000).boxed().toList();

	private static long pipelineThreads() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.isAlive() && thread.getName().startsWith("sluice-group-"))
			.count();
	}

	@Test
	void mapFilterAndFlatMapProduceEveryResult() throws Exception {
		List<Integer> results = Pipeline.from(NUMBERS)
			.map("double", 3, (i) -> i * 2)
			.filter("multiples of 4", 2, (i) -> i % 4 == 0)
			.flatMap("twice", 2, (i) -> List.of(i, i))
			.toList();
		List<Integer> expected = NUMBERS.stream()
			.map((i) -> i * 2)
			.filter((i) -> i % 4 == 0)
			.flatMap((i) -> java.util.stream.Stream.of(i, i))
			.toList();
		assertThat(results).containsExactlyInAnyOrderElementsOf(expected);
	}

	@Test
	void keepOrderKeepsTheSourceOrderAcrossParallelStages() throws Exception {
		List<String> results = Pipeline.from(NUMBERS).keepOrder().buffer(8).map("jitter", 4, (i) -> {
			if (ThreadLocalRandom.current().nextInt(500) == 0) {
				Thread.onSpinWait();
				try {
					Thread.sleep(1);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			return i;
		}).filter("odd", 2, (i) -> i % 2 == 1).flatMap("pairs", 3, (i) -> List.of(i + "a", i + "b")).toList();
		List<String> expected = NUMBERS.stream()
			.filter((i) -> i % 2 == 1)
			.flatMap((i) -> java.util.stream.Stream.of(i + "a", i + "b"))
			.toList();
		assertThat(results).containsExactlyElementsOf(expected);
	}

	@Test
	void aSlowSinkHoldsTheSourceBack() throws Exception {
		AtomicLong produced = new AtomicLong();
		AtomicLong consumed = new AtomicLong();
		AtomicLong mostAhead = new AtomicLong();
		List<Integer> source = new ArrayList<>(NUMBERS) {
			@Override
			public java.util.Iterator<Integer> iterator() {
				java.util.Iterator<Integer> items = super.iterator();
				return new java.util.Iterator<>() {
					@Override
					public boolean hasNext() {
						return items.hasNext();
					}

					@Override
					public Integer next() {
						produced.incrementAndGet();
						return items.next();
					}
				};
			}
		};
		Pipeline.from(source).buffer(4).map("identity", 2, (i) -> i).forEach((i) -> {
			consumed.incrementAndGet();
			mostAhead.accumulateAndGet(produced.get() - consumed.get(), Math::max);
			if (i % 100 == 0) {
				try {
					Thread.sleep(1);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
		});
		assertThat(consumed).hasValue(NUMBERS.size());
		// two buffers of 4; the source, the sink and each worker (its input and its
		// output) hold at most a
		// buffer's worth between hand-offs
		long bound = 2 * 4 + 4 + 4 + 2 * (4 + 4) + 1;
		assertThat(mostAhead.get()).isLessThanOrEqualTo(bound);
	}

	@Test
	void theFirstFailureStopsEveryStageAndIsThrown() {
		long before = pipelineThreads();
		IllegalStateException boom = new IllegalStateException("bad item");
		AtomicInteger interrupted = new AtomicInteger();
		assertThatThrownBy(() -> Pipeline.from(NUMBERS).buffer(16).map("slow", 3, (i) -> {
			try {
				Thread.sleep(10);
			}
			catch (InterruptedException ex) {
				interrupted.incrementAndGet();
				Thread.currentThread().interrupt();
			}
			return i;
		}).map("fail", 1, (i) -> {
			if (i == 5) {
				throw boom;
			}
			return i;
		}).toList()).isSameAs(boom);
		assertThat(interrupted.get()).isPositive();
		assertThat(pipelineThreads()).isLessThanOrEqualTo(before);
	}

	@Test
	void aTimeoutStopsEveryStage() {
		long before = pipelineThreads();
		assertThatThrownBy(() -> Pipeline.from(NUMBERS).map("slow", 2, (i) -> {
			try {
				Thread.sleep(50);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return i;
		}).toList(Duration.ofMillis(100))).isInstanceOf(TimeoutException.class);
		assertThat(pipelineThreads()).isLessThanOrEqualTo(before);
	}

	@Test
	void interruptingTheCallerStopsEveryStage() throws Exception {
		long before = pipelineThreads();
		AtomicReference<Throwable> thrown = new AtomicReference<>();
		AtomicInteger started = new AtomicInteger();
		Thread caller = new Thread(() -> {
			try {
				Pipeline.from(NUMBERS).map("slow", 2, (i) -> {
					started.incrementAndGet();
					try {
						Thread.sleep(1_000);
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
					return i;
				}).toList();
			}
			catch (Throwable ex) {
				thrown.set(ex);
			}
		}, "pipeline-caller");
		caller.start();
		await().until(() -> started.get() >= 2);
		caller.interrupt();
		caller.join(10_000);
		assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
		assertThat(pipelineThreads()).isLessThanOrEqualTo(before);
	}

	@Test
	void aPartThatSwallowsItsInterruptCannotHangTheRunAfterAFailure() {
		IllegalStateException sinkFailure = new IllegalStateException("sink broke");
		AtomicInteger consumed = new AtomicInteger();
		assertThatThrownBy(() -> Pipeline.from(NUMBERS).buffer(4).map("stubborn", 1, (i) -> {
			try {
				Thread.sleep(5);
			}
			catch (InterruptedException ex) {
				// swallowed, as some clients do
			}
			return i;
		}).forEach((i) -> {
			if (consumed.incrementAndGet() == 20) {
				throw sinkFailure;
			}
		})).isSameAs(sinkFailure);
	}

	@Test
	void stagesCanRunOnAWorkerPool() throws Exception {
		try (WorkerPool pool = WorkerPool.create("pipeline-pool", PoolConfig.defaults().withWorkers(7))) {
			List<String> results = Pipeline.from(NUMBERS)
				.on(pool)
				.keepOrder()
				.map("text", 2, String::valueOf)
				.map("length", 2, String::length)
				.map("back", 1, String::valueOf)
				.toList();
			assertThat(results).hasSize(NUMBERS.size()).startsWith("1", "1", "1");
			await().until(() -> pool.stats().active() == 0);
		}
	}

	@Test
	void aPoolTooSmallForEveryStageIsRefusedRatherThanDeadlocked() {
		try (WorkerPool pool = WorkerPool.create("pipeline-small", PoolConfig.defaults().withWorkers(3))) {
			assertThatThrownBy(() -> Pipeline.from(NUMBERS).on(pool).map("a", 2, (i) -> i).toList())
				.isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("needs 4 threads at once")
				.hasMessageContaining("has 3 workers");
		}
	}

	@Test
	void readsFromAChannelAndWritesToAChannel() throws Exception {
		Channel<Integer> in = Channel.bounded(8);
		Channel<Integer> out = Channel.bounded(10_000);
		Thread producer = new Thread(() -> {
			try {
				for (int i = 0; i < 1000; i++) {
					in.send(i, Duration.ofSeconds(10));
				}
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
			finally {
				in.close();
			}
		});
		producer.start();
		Pipeline.from(in).map("square", 2, (i) -> i * i).to(out);
		List<Integer> results = new ArrayList<>();
		out.forEach(results::add);
		assertThat(results).hasSize(1000).contains(0, 1, 4, 998_001);
		assertThat(out.isClosed()).isTrue();
	}

	@Test
	void trackedPipelinesCountEachStagesItems() throws Exception {
		Pipelines pipelines = new Pipelines();
		pipelines.from("numbers", NUMBERS).map("half", 2, (i) -> i / 2).filter("even", 1, (i) -> i % 2 == 0).toList();
		pipelines.from("numbers", NUMBERS).map("half", 2, (i) -> i / 2).filter("even", 1, (i) -> i % 2 == 0).toList();
		assertThat(pipelines.stages()).anySatisfy((stage) -> {
			assertThat(stage.stage()).isEqualTo("half");
			assertThat(stage.itemsIn()).isEqualTo(20_000);
			assertThat(stage.itemsOut()).isEqualTo(20_000);
		}).anySatisfy((stage) -> {
			assertThat(stage.stage()).isEqualTo("even");
			assertThat(stage.itemsIn()).isEqualTo(20_000);
			assertThat(stage.itemsOut()).isEqualTo(10_000);
			assertThat(stage.workers()).isEqualTo(1);
		});
		assertThat(pipelines.running()).isEmpty();
	}

	@Test
	void badDescriptionsAreRefused() {
		assertThatThrownBy(() -> Pipeline.from(NUMBERS).map("x", 0, (i) -> i))
			.hasMessage("workers of stage 'x' must be between 1 and 10000, was 0");
		assertThatThrownBy(() -> Pipeline.from(NUMBERS).map("x", 1, (i) -> i).map("x", 1, (i) -> i))
			.hasMessage("Two stages are named 'x'");
		assertThatThrownBy(() -> Pipeline.from(NUMBERS).buffer(0)).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void aRunOnAPoolWithNoRoomIsRefusedAtOnceAndNeverRunsOnTheCaller() throws Exception {
		try (WorkerPool pool = WorkerPool.create("busy-caller-runs",
				PoolConfig.defaults().withWorkers(3).withQueueCapacity(0).withOverflow(QueueOverflow.CALLER_RUNS))) {
			CountDownLatch busy = occupy(pool, 3);
			try {
				Thread caller = Thread.currentThread();
				assertThatThrownBy(() -> assertTimeoutPreemptively(Duration.ofSeconds(10),
						() -> Pipeline.from(NUMBERS).map("double", 1, (i) -> {
							assertThat(Thread.currentThread()).isNotSameAs(caller);
							return i * 2;
						}).on(pool).toList(Duration.ofSeconds(5))))
					.isInstanceOfSatisfying(TaskRejectedException.class,
							(ex) -> assertThat(ex.reason()).isEqualTo(TaskRejectedException.Reason.QUEUE_FULL))
					.hasMessageContaining("pipeline 'pipeline'");
			}
			finally {
				busy.countDown();
			}
		}
	}

	@Test
	void aRunQueuedBehindBusyWorkersIsBoundedByItsTimeout() throws Exception {
		try (WorkerPool pool = WorkerPool.create("busy-queued",
				PoolConfig.defaults().withWorkers(3).withQueueCapacity(10).withOverflow(QueueOverflow.CALLER_RUNS))) {
			CountDownLatch busy = occupy(pool, 3);
			try {
				long start = System.nanoTime();
				assertThatThrownBy(() -> assertTimeoutPreemptively(Duration.ofSeconds(10),
						() -> Pipeline.from(NUMBERS)
							.map("double", 1, (i) -> i * 2)
							.on(pool)
							.toList(Duration.ofMillis(200))))
					.isInstanceOf(TimeoutException.class);
				assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
				// its parts never started and are no longer waiting for a worker
				busy.countDown();
				await().until(() -> pool.stats().queued() == 0 && pool.stats().active() == 0);
				assertThat(pool.stats().completed()).isEqualTo(3);
			}
			finally {
				busy.countDown();
			}
		}
	}

	@Test
	void aPartRunOnTheCallingThreadFailsTheRunInsteadOfHangingIt() {
		assertThatThrownBy(() -> assertTimeoutPreemptively(Duration.ofSeconds(10),
				() -> Pipeline.from(NUMBERS).map("double", 1, (i) -> i * 2).on(Runnable::run).toList()))
			.isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("ran a part on the thread that started the run");
	}

	@Test
	void anOrderedRunWithAHugeBufferKeepsOrder() {
		List<Integer> items = IntStream.range(0, 5_000).boxed().toList();
		List<Integer> results = assertTimeoutPreemptively(Duration.ofSeconds(20),
				() -> Pipeline.from(items)
					.map("a", 2, (i) -> i + 1)
					.map("b", 2, (i) -> i - 1)
					.buffer(1_000_000_000)
					.keepOrder()
					.toList());
		assertThat(results).isEqualTo(items);
	}

	/** Occupies every worker of the pool until the returned latch is counted down. */
	private static CountDownLatch occupy(WorkerPool pool, int workers) throws InterruptedException {
		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch started = new CountDownLatch(workers);
		for (int i = 0; i < workers; i++) {
			pool.submit(() -> {
				started.countDown();
				release.await();
				return null;
			});
		}
		started.await();
		return release;
	}

}
