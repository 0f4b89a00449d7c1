package dev.sluice.pool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import dev.sluice.lifecycle.GracefulShutdown;
import dev.sluice.lifecycle.ShutdownReport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class WorkerPoolTest {

	private final List<WorkerPool> pools = new ArrayList<>();

	private final CountDownLatch release = new CountDownLatch(1);

	@AfterEach
	void closePools() {
		this.release.countDown();
		this.pools.forEach(WorkerPool::close);
	}

	private WorkerPool pool(String name, PoolConfig config) {
		WorkerPool pool = WorkerPool.create(name, config);
		this.pools.add(pool);
		return pool;
	}

	private WorkerPool oneWorkerOneSlot(String name, QueueOverflow overflow) {
		return pool(name,
				PoolConfig.defaults()
					.withWorkers(1)
					.withQueueCapacity(1)
					.withOverflow(overflow)
					.withSubmitTimeout(Duration.ofMillis(100)));
	}

	/** Occupies the only worker and the only queue slot. */
	private void fill(WorkerPool pool) throws InterruptedException {
		CountDownLatch started = new CountDownLatch(1);
		pool.submit(() -> {
			started.countDown();
			Threads.await(this.release);
			return null;
		});
		Threads.await(started);
		pool.submit(() -> null);
	}

	@Test
	void submitCompletesTheFutureWithTheResult() {
		WorkerPool pool = pool("results", PoolConfig.defaults().withWorkers(2));
		assertThat(pool.submit(() -> 21 * 2)).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(42);
		assertThat(CompletableFuture.supplyAsync(() -> Thread.currentThread().getName(), pool))
			.succeedsWithin(Duration.ofSeconds(5))
			.asString()
			.startsWith("sluice-results-");
	}

	@Test
	void submitPassesTheTaskFailureToTheFuture() {
		WorkerPool pool = pool("failing", PoolConfig.defaults().withWorkers(1));
		IllegalStateException boom = new IllegalStateException("boom");
		CompletableFuture<Object> future = pool.submit(() -> {
			throw boom;
		});
		assertThat(future).failsWithin(Duration.ofSeconds(5))
			.withThrowableOfType(Exception.class)
			.havingCause()
			.isSameAs(boom);
	}

	@Test
	void blockOverflowMakesTheSubmitterWaitThenTimesOut() throws Exception {
		WorkerPool pool = oneWorkerOneSlot("block-timeout", QueueOverflow.BLOCK);
		fill(pool);
		long start = System.nanoTime();
		assertThatThrownBy(() -> pool.submit(() -> null)).isInstanceOfSatisfying(TaskRejectedException.class, (ex) -> {
			assertThat(ex.reason()).isEqualTo(TaskRejectedException.Reason.TIMED_OUT);
			assertThat(ex).hasMessageContaining("'block-timeout'").hasMessageContaining("submit-timeout");
		});
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(100));
		assertThat(pool.stats().rejected()).isEqualTo(1);
	}

	@Test
	void blockOverflowAcceptsTheTaskOnceRoomFrees() throws Exception {
		WorkerPool pool = pool("block-room",
				PoolConfig.defaults().withWorkers(1).withQueueCapacity(1).withSubmitTimeout(Duration.ofSeconds(10)));
		fill(pool);
		AtomicReference<CompletableFuture<String>> third = new AtomicReference<>();
		Thread submitter = new Thread(() -> third.set(pool.submit(() -> "third")));
		submitter.start();
		await().until(() -> submitter.getState() == Thread.State.TIMED_WAITING);
		assertThat(third.get()).isNull();
		this.release.countDown();
		submitter.join(10_000);
		assertThat(third.get()).succeedsWithin(Duration.ofSeconds(5)).isEqualTo("third");
	}

	@Test
	void stopIntakeRefusesASubmitterThatIsWaitingForRoom() throws Exception {
		WorkerPool pool = pool("block-shutdown",
				PoolConfig.defaults().withWorkers(1).withQueueCapacity(1).withSubmitTimeout(Duration.ofMinutes(10)));
		fill(pool);
		AtomicReference<Throwable> refused = new AtomicReference<>();
		Thread submitter = new Thread(() -> {
			try {
				pool.submit(() -> "late");
			}
			catch (Throwable ex) {
				refused.set(ex);
			}
		});
		submitter.start();
		await().until(() -> submitter.getState() == Thread.State.TIMED_WAITING);
		pool.stopIntake();
		submitter.join(10_000);
		assertThat(refused.get()).isInstanceOfSatisfying(TaskRejectedException.class,
				(ex) -> assertThat(ex.reason()).isEqualTo(TaskRejectedException.Reason.SHUT_DOWN));
	}

	@Test
	void rejectOverflowRefusesAtOnce() throws Exception {
		WorkerPool pool = oneWorkerOneSlot("reject", QueueOverflow.REJECT);
		fill(pool);
		assertThatThrownBy(() -> pool.submit(() -> null)).isInstanceOfSatisfying(TaskRejectedException.class, (ex) -> {
			assertThat(ex.reason()).isEqualTo(TaskRejectedException.Reason.QUEUE_FULL);
			assertThat(ex.pool()).isEqualTo("reject");
			assertThat(ex).hasMessageContaining("queue is full");
		});
		assertThat(pool.stats().rejected()).isEqualTo(1);
	}

	@Test
	void callerRunsOverflowRunsTheTaskOnTheSubmittingThread() throws Exception {
		WorkerPool pool = oneWorkerOneSlot("caller-runs", QueueOverflow.CALLER_RUNS);
		fill(pool);
		CompletableFuture<Thread> ranOn = pool.submit(Thread::currentThread);
		assertThat(ranOn).isCompletedWithValue(Thread.currentThread());
		assertThat(pool.stats().callerRuns()).isEqualTo(1);
	}

	@Test
	void zeroQueueCapacityHandsTasksOnlyToFreeWorkers() throws Exception {
		WorkerPool pool = pool("hand-off",
				PoolConfig.defaults().withWorkers(1).withQueueCapacity(0).withOverflow(QueueOverflow.REJECT));
		CountDownLatch started = new CountDownLatch(1);
		pool.submit(() -> {
			started.countDown();
			Threads.await(this.release);
			return null;
		});
		Threads.await(started);
		assertThatThrownBy(() -> pool.submit(() -> null)).isInstanceOf(TaskRejectedException.class);
	}

	@Test
	void submittingAfterShutdownFailsClearly() {
		WorkerPool pool = pool("closed", PoolConfig.defaults());
		pool.stopIntake();
		assertThatThrownBy(() -> pool.submit(() -> null))
			.isInstanceOfSatisfying(TaskRejectedException.class,
					(ex) -> assertThat(ex.reason()).isEqualTo(TaskRejectedException.Reason.SHUT_DOWN))
			.hasMessage("Pool 'closed' is shut down and accepts no new tasks");
		assertThatThrownBy(() -> pool.execute(() -> {
		})).isInstanceOf(TaskRejectedException.class);
		assertThatThrownBy(() -> pool.map(List.of(1), (i) -> i)).isInstanceOf(TaskRejectedException.class);
	}

	@Test
	void shutdownDrainsEveryAcceptedTask() {
		WorkerPool pool = pool("drain", PoolConfig.defaults().withWorkers(2).withQueueCapacity(100));
		AtomicInteger done = new AtomicInteger();
		List<CompletableFuture<Void>> futures = new ArrayList<>();
		for (int i = 0; i < 50; i++) {
			futures.add(pool.submit(() -> {
				Thread.sleep(2);
				done.incrementAndGet();
				return null;
			}));
		}
		ShutdownReport report = GracefulShutdown.drain(List.of(pool), Duration.ofSeconds(30));
		assertThat(report.clean()).isTrue();
		assertThat(done).hasValue(50);
		assertThat(futures).allSatisfy((future) -> assertThat(future).isCompleted());
		assertThat(pool.stats().state()).isEqualTo(PoolStats.State.TERMINATED);
	}

	@Test
	void shutdownAbandonsWhatDoesNotFinishInTimeAndReportsIt() throws Exception {
		WorkerPool pool = pool("abandon", PoolConfig.defaults().withWorkers(1).withQueueCapacity(10));
		CountDownLatch started = new CountDownLatch(1);
		AtomicBoolean interrupted = new AtomicBoolean();
		pool.submit(() -> {
			started.countDown();
			try {
				Thread.sleep(60_000);
			}
			catch (InterruptedException ex) {
				interrupted.set(true);
			}
			return null;
		});
		Threads.await(started);
		CompletableFuture<String> queued1 = pool.submit(() -> "never");
		CompletableFuture<String> queued2 = pool.submit(() -> "never");

		ShutdownReport report = GracefulShutdown.drain(List.of(pool), Duration.ofMillis(50));

		assertThat(report.components()).singleElement().satisfies((component) -> {
			assertThat(component.name()).isEqualTo("abandon");
			assertThat(component.drained()).isFalse();
			assertThat(component.abandoned()).isEqualTo(3);
		});
		assertThat(queued1).isCancelled();
		assertThat(queued2).isCancelled();
		await().untilTrue(interrupted);
		assertThat(pool.stats().abandoned()).isEqualTo(3);
	}

	@Test
	void everyCallToAbandonReturnsWithIntakeStoppedAlsoTheOneThatLosesTheRace() throws Exception {
		for (int round = 0; round < 500; round++) {
			WorkerPool pool = WorkerPool.create("race", PoolConfig.defaults().withWorkers(1));
			CountDownLatch go = new CountDownLatch(1);
			AtomicInteger stoppedAfterwards = new AtomicInteger();
			List<Thread> callers = new ArrayList<>();
			for (int i = 0; i < 2; i++) {
				Thread caller = new Thread(() -> {
					try {
						Threads.await(go);
					}
					catch (InterruptedException ex) {
						return;
					}
					pool.abandonRemaining();
					if (pool.isShutdown()) {
						stoppedAfterwards.incrementAndGet();
					}
				});
				caller.start();
				callers.add(caller);
			}
			go.countDown();
			for (Thread caller : callers) {
				caller.join();
			}
			assertThat(stoppedAfterwards).as("round %d", round).hasValue(2);
		}
	}

	@Test
	void cancellingTheFutureInterruptsTheRunningTask() throws Exception {
		WorkerPool pool = pool("cancel", PoolConfig.defaults().withWorkers(1));
		CountDownLatch started = new CountDownLatch(1);
		AtomicBoolean interrupted = new AtomicBoolean();
		CompletableFuture<Object> future = pool.submit(() -> {
			started.countDown();
			try {
				Thread.sleep(60_000);
			}
			catch (InterruptedException ex) {
				interrupted.set(true);
			}
			return null;
		});
		Threads.await(started);
		future.cancel(true);
		await().untilTrue(interrupted);
		// the interrupt does not leak into the next task on the same worker
		assertThat(pool.submit(() -> Thread.currentThread().isInterrupted())).succeedsWithin(Duration.ofSeconds(5))
			.isEqualTo(false);
	}

	@Test
	void aCancelRacingTheTasksEndNeverInterruptsTheNextTask() throws Exception {
		WorkerPool pool = pool("cancel-race", PoolConfig.defaults().withWorkers(1));
		for (int i = 0; i < 2000; i++) {
			long spin = ThreadLocalRandom.current().nextInt(20_000);
			CompletableFuture<Long> racing = pool.submit(() -> spin(spin));
			if (ThreadLocalRandom.current().nextBoolean()) {
				Thread.onSpinWait();
			}
			racing.cancel(true);
			CompletableFuture<Boolean> probe = pool.submit(() -> {
				spin(20_000);
				return Thread.currentThread().isInterrupted();
			});
			assertThat(probe.get()).as("probe %d saw a stray interrupt", i).isFalse();
		}
	}

	private static long spin(long nanos) {
		long end = System.nanoTime() + nanos;
		long count = 0;
		while (System.nanoTime() < end) {
			count++;
		}
		return count;
	}

	@Test
	void closeWaitsForAcceptedTasksAndLeavesNoThread() {
		WorkerPool pool = WorkerPool.create("no-leak", PoolConfig.defaults().withWorkers(4));
		AtomicInteger done = new AtomicInteger();
		for (int i = 0; i < 20; i++) {
			pool.submit(() -> {
				Thread.sleep(5);
				return done.incrementAndGet();
			});
		}
		assertThat(Threads.alive("sluice-no-leak-")).isPositive();
		pool.close();
		assertThat(done).hasValue(20);
		await().until(() -> Threads.alive("sluice-no-leak-") == 0);
	}

	@Test
	void statsCountCompletedTasksAndTheirTime() {
		WorkerPool pool = pool("stats", PoolConfig.defaults().withWorkers(2));
		for (int i = 0; i < 10; i++) {
			pool.submit(() -> {
				Thread.sleep(1);
				return null;
			}).join();
		}
		await().until(() -> pool.stats().completed() == 10);
		PoolStats stats = pool.stats();
		assertThat(stats.name()).isEqualTo("stats");
		assertThat(stats.state()).isEqualTo(PoolStats.State.RUNNING);
		assertThat(stats.taskTime()).isGreaterThanOrEqualTo(Duration.ofMillis(10));
		assertThat(stats.queueRemaining()).isEqualTo(PoolConfig.DEFAULT_QUEUE_CAPACITY);
	}

	@Test
	void invalidConfigurationIsRefusedWithItsName() {
		assertThatThrownBy(() -> PoolConfig.defaults().withWorkers(0))
			.hasMessage("workers must be between 1 and 32767, was 0");
		assertThatThrownBy(() -> PoolConfig.defaults().withQueueCapacity(-1))
			.hasMessage("queue-capacity must be 0 or more, was -1");
		assertThatThrownBy(() -> PoolConfig.defaults().withSubmitTimeout(Duration.ofSeconds(-1)))
			.hasMessageStartingWith("submit-timeout must be a duration of zero or more");
		assertThatThrownBy(() -> WorkerPool.create(" ", PoolConfig.defaults())).hasMessage("name must not be blank");
	}

	@Test
	void aPoolWithoutAQueueAcceptsTheNextTaskOnceTheLastHasCompleted() throws Exception {
		WorkerPool pool = pool("hand-off",
				PoolConfig.defaults().withWorkers(1).withQueueCapacity(0).withOverflow(QueueOverflow.REJECT));
		for (int i = 0; i < 20_000; i++) {
			int n = i;
			// the worker is free as soon as the result is: it must never be refused as
			// full here
			assertThat(pool.submit(() -> n).join()).isEqualTo(n);
		}
		assertThat(pool.stats().rejected()).isZero();
	}

	@Test
	void aTaskGivesItsPlaceBackWhetherItRunsFailsOrIsCancelledInTheQueue() throws Exception {
		WorkerPool pool = pool("places",
				PoolConfig.defaults().withWorkers(1).withQueueCapacity(1).withOverflow(QueueOverflow.REJECT));
		fill(pool);
		assertThatThrownBy(() -> pool.submit(() -> null)).isInstanceOf(TaskRejectedException.class);
		this.release.countDown();
		await().until(() -> pool.stats().active() == 0 && pool.stats().queued() == 0);
		assertThat(pool.submit(() -> {
			throw new IllegalStateException("fails");
		})).failsWithin(Duration.ofSeconds(10));
		CountDownLatch hold = new CountDownLatch(1);
		pool.submit(() -> {
			Threads.await(hold);
			return null;
		});
		CompletableFuture<Object> queued = pool.submit(() -> null);
		assertThatThrownBy(() -> pool.submit(() -> null)).isInstanceOf(TaskRejectedException.class);
		queued.cancel(false);
		// the cancelled task's place is free again, although it still sits in the queue
		CompletableFuture<Object> next = pool.submit(() -> "next");
		hold.countDown();
		assertThat(next.get(10, TimeUnit.SECONDS)).isEqualTo("next");
	}

	@Test
	void tasksCancelledWhileTheyWaitDoNotPileUpBeyondTheQueueCapacity() throws Exception {
		WorkerPool pool = WorkerPool.create("bound",
				PoolConfig.defaults().withWorkers(1).withQueueCapacity(10).withOverflow(QueueOverflow.REJECT));
		this.pools.add(pool);
		CountDownLatch started = new CountDownLatch(1);
		pool.submit(() -> {
			started.countDown();
			Threads.await(this.release);
			return null;
		});
		Threads.await(started);
		// a caller that gives up on a queued task, say after waiting for it with a
		// timeout
		for (int i = 0; i < 100_000; i++) {
			try {
				pool.submit(() -> null).cancel(true);
			}
			catch (TaskRejectedException ex) {
				// refused: the queue is full, as configured
			}
		}
		assertThat(pool.stats().queued()).isLessThanOrEqualTo(10);
	}

	@Test
	void whoeverHearsOfACancelBeforeTheTaskStartedFindsItsPlaceFree() throws Exception {
		WorkerPool pool = WorkerPool.create("cancel-place",
				PoolConfig.defaults().withWorkers(1).withQueueCapacity(1).withOverflow(QueueOverflow.REJECT));
		this.pools.add(pool);
		CountDownLatch started = new CountDownLatch(1);
		pool.submit(() -> {
			started.countDown();
			Threads.await(this.release);
			return null;
		});
		Threads.await(started);
		CompletableFuture<Object> queued = pool.submit(() -> "never");
		AtomicReference<Object> replacement = new AtomicReference<>();
		// a retry on cancellation, as a dependent of the cancelled task
		queued.whenComplete((result, failure) -> {
			try {
				replacement.set(pool.submit(() -> "replacement"));
			}
			catch (TaskRejectedException ex) {
				replacement.set(ex);
			}
		});
		queued.cancel(true);
		assertThat(replacement.get()).isInstanceOf(CompletableFuture.class);
		this.release.countDown();
		assertThat(((CompletableFuture<?>) replacement.get()).get(5, TimeUnit.SECONDS)).isEqualTo("replacement");
	}

}
