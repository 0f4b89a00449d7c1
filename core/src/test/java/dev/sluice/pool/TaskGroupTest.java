package dev.sluice.pool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class TaskGroupTest {

	private final WorkerPool pool = WorkerPool.create("tg-pool", PoolConfig.defaults().withWorkers(4));

	@AfterEach
	void close() {
		this.pool.close();
	}

	@Test
	void joinWaitsForEveryTask() throws Exception {
		AtomicInteger done = new AtomicInteger();
		try (TaskGroup group = TaskGroup.on(this.pool)) {
			List<CompletableFuture<Integer>> futures = new ArrayList<>();
			for (int i = 0; i < 20; i++) {
				int n = i;
				futures.add(group.fork(() -> {
					Thread.sleep(2);
					done.incrementAndGet();
					return n;
				}));
			}
			group.join();
			assertThat(done).hasValue(20);
			assertThat(futures).allSatisfy((future) -> assertThat(future).isCompleted());
			assertThat(futures.get(7).join()).isEqualTo(7);
		}
	}

	@Test
	void theFirstFailureInterruptsTheOthersAndIsWhatJoinThrows() throws Exception {
		IllegalStateException boom = new IllegalStateException("lookup failed");
		CountDownLatch othersStarted = new CountDownLatch(2);
		AtomicInteger interrupted = new AtomicInteger();
		try (TaskGroup group = TaskGroup.on(this.pool)) {
			for (int i = 0; i < 2; i++) {
				group.fork(() -> {
					othersStarted.countDown();
					try {
						Thread.sleep(60_000);
					}
					catch (InterruptedException ex) {
						interrupted.incrementAndGet();
						throw ex;
					}
					return null;
				});
			}
			group.fork(() -> {
				Threads.await(othersStarted);
				throw boom;
			});
			assertThatThrownBy(group::join).isInstanceOf(ExecutionException.class).hasCause(boom);
			assertThat(interrupted).hasValue(2);
		}
	}

	@Test
	void tasksForkedAfterAFailureAreNotStarted() throws Exception {
		try (TaskGroup group = TaskGroup.on(this.pool)) {
			group.fork(() -> {
				throw new IllegalStateException("first");
			});
			assertThatThrownBy(group::join).isInstanceOf(ExecutionException.class);
			AtomicBoolean ran = new AtomicBoolean();
			CompletableFuture<Object> late = group.fork(() -> {
				ran.set(true);
				return null;
			});
			assertThat(late).isCancelled();
			assertThat(ran).isFalse();
		}
	}

	@Test
	void limitBoundsHowManyTasksRunAtOnce() throws Exception {
		AtomicInteger running = new AtomicInteger();
		AtomicInteger maxRunning = new AtomicInteger();
		try (TaskGroup group = TaskGroup.create().limit(3)) {
			for (int i = 0; i < 30; i++) {
				group.fork(() -> {
					maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
					Thread.sleep(2);
					running.decrementAndGet();
					return null;
				});
			}
			group.join();
		}
		assertThat(maxRunning.get()).isBetween(1, 3);
	}

	@Test
	void tryForkDeclinesWhenEverySlotIsTaken() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		try (TaskGroup group = TaskGroup.on(this.pool).limit(1)) {
			Optional<CompletableFuture<Object>> first = group.tryFork(() -> {
				Threads.await(release);
				return "first";
			});
			assertThat(first).isPresent();
			assertThat(group.tryFork(() -> "second")).isEmpty();
			release.countDown();
			group.join();
			assertThat(group.tryFork(() -> "third")).hasValueSatisfying(
					(future) -> assertThat(future).succeedsWithin(Duration.ofSeconds(5)).isEqualTo("third"));
		}
	}

	@Test
	void limitCannotChangeWhileTasksRun() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		try (TaskGroup group = TaskGroup.on(this.pool)) {
			group.fork(() -> {
				Threads.await(release);
				return null;
			});
			assertThatThrownBy(() -> group.limit(2)).isInstanceOf(IllegalStateException.class);
			assertThatThrownBy(() -> TaskGroup.create().limit(0)).isInstanceOf(IllegalArgumentException.class);
			release.countDown();
		}
	}

	@Test
	void joinWithATimeoutCancelsWhatIsStillRunning() throws Exception {
		AtomicBoolean interrupted = new AtomicBoolean();
		try (TaskGroup group = TaskGroup.on(this.pool)) {
			group.fork(() -> {
				try {
					Thread.sleep(60_000);
				}
				catch (InterruptedException ex) {
					interrupted.set(true);
				}
				return null;
			});
			assertThatThrownBy(() -> group.join(Duration.ofMillis(50))).isInstanceOf(TimeoutException.class);
			await().untilTrue(interrupted);
		}
	}

	/**
	 * A task that fails because another was cancelled by the timeout (as a pipeline stage
	 * fails on a buffer the cancelled source closed) is a consequence of the timeout, not
	 * a cause: the join still says it timed out. Each task's thread, when the cancel
	 * interrupts it, makes the other task fail and waits until that one has ended, so the
	 * failure always comes before the cancel has reached the failing task.
	 */
	@Test
	void aFailureThatTheTimeoutsCancelCausesLeavesTheJoinTimedOut() throws Exception {
		List<CountDownLatch> fail = List.of(new CountDownLatch(1), new CountDownLatch(1));
		List<Thread> threads = new CopyOnWriteArrayList<>();
		Executor cascading = (task) -> {
			int index = threads.size();
			Thread thread = new Thread(task) {

				private final AtomicBoolean once = new AtomicBoolean();

				@Override
				public void interrupt() {
					super.interrupt();
					if (this.once.compareAndSet(false, true)) {
						fail.get(1 - index).countDown();
						try {
							threads.get(1 - index).join(10_000);
						}
						catch (InterruptedException ex) {
							Thread.currentThread().interrupt();
						}
					}
				}

			};
			threads.add(thread);
			thread.start();
		};
		try (TaskGroup group = TaskGroup.on(cascading)) {
			for (int i = 0; i < 2; i++) {
				CountDownLatch mine = fail.get(i);
				group.fork(() -> {
					try {
						mine.await();
					}
					catch (InterruptedException ex) {
						// cancelled: ends quietly
						return null;
					}
					throw new IllegalStateException("failed because the other task was cancelled");
				});
			}
			assertThatThrownBy(() -> group.join(Duration.ofMillis(50))).isInstanceOf(TimeoutException.class);
		}
		for (Thread thread : threads) {
			thread.join(10_000);
			assertThat(thread.isAlive()).isFalse();
		}
	}

	@Test
	void closeCancelsRunningTasksAndLeavesNoThread() throws Exception {
		AtomicInteger interrupted = new AtomicInteger();
		CountDownLatch started = new CountDownLatch(5);
		try (TaskGroup group = TaskGroup.create()) {
			for (int i = 0; i < 5; i++) {
				group.fork(() -> {
					started.countDown();
					try {
						Thread.sleep(60_000);
					}
					catch (InterruptedException ex) {
						interrupted.incrementAndGet();
					}
					return null;
				});
			}
			Threads.await(started);
			assertThat(Threads.alive("sluice-group-")).isGreaterThanOrEqualTo(5);
		}
		assertThat(interrupted).hasValue(5);
		assertThat(Threads.alive("sluice-group-")).isZero();
	}

	@Test
	void forkAfterAFailureDoesNotWaitForASlot() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		try (TaskGroup group = TaskGroup.on(this.pool).limit(1)) {
			group.fork(() -> {
				throw new IllegalStateException("first");
			});
			assertThatThrownBy(group::join).isInstanceOf(ExecutionException.class);
			assertThat(group.fork(() -> "never")).isCancelled();
			release.countDown();
		}
	}

	@Test
	void forkAfterCloseFails() {
		TaskGroup group = TaskGroup.on(this.pool);
		group.close();
		assertThatThrownBy(() -> group.fork(() -> null)).isInstanceOf(IllegalStateException.class)
			.hasMessage("TaskGroup is closed");
	}

	@Test
	void aRejectedForkDoesNotCountAsRunning() throws Exception {
		WorkerPool closed = WorkerPool.create("group-closed", PoolConfig.defaults());
		closed.close();
		try (TaskGroup group = TaskGroup.on(closed).limit(1)) {
			assertThatThrownBy(() -> group.fork(() -> null)).isInstanceOf(TaskRejectedException.class);
			group.join();
			assertThat(group.tryFork(() -> null)).isPresent();
		}
		catch (TaskRejectedException expected) {
			// the tryFork above is rejected by the closed pool too
		}
	}

	@Test
	void stressManyGroupsWithRandomFailuresEndCleanly() throws Exception {
		for (int round = 0; round < 200; round++) {
			int failAt = ThreadLocalRandom.current().nextInt(-5, 10);
			AtomicInteger started = new AtomicInteger();
			AtomicInteger ended = new AtomicInteger();
			IllegalStateException boom = new IllegalStateException("round " + round);
			TaskGroup group = TaskGroup.on(this.pool).limit(3);
			try (group) {
				for (int i = 0; i < 10; i++) {
					int n = i;
					group.fork(() -> {
						started.incrementAndGet();
						try {
							if (n == failAt) {
								throw boom;
							}
							Thread.sleep(ThreadLocalRandom.current().nextInt(2));
							return n;
						}
						finally {
							ended.incrementAndGet();
						}
					});
				}
				if (failAt < 0) {
					group.join();
				}
				else {
					assertThatThrownBy(group::join).hasCause(boom);
				}
			}
			// every task that started has ended by the time close returns
			assertThat(ended.get()).isEqualTo(started.get());
			if (failAt < 0) {
				assertThat(started).hasValue(10);
			}
		}
		await().until(() -> this.pool.stats().active() == 0);
	}

	@Test
	void closeNeverReturnsWhileAThreadOfTheGroupCanStillStart() throws Exception {
		CountDownLatch making = new CountDownLatch(1);
		CountDownLatch proceed = new CountDownLatch(1);
		AtomicBoolean closeReturned = new AtomicBoolean();
		List<Boolean> startedAfterClose = new CopyOnWriteArrayList<>();
		// a fork that is slow to make its thread: it has counted its task, close cancels
		// it meanwhile
		TaskGroup group = TaskGroup.create((task) -> {
			making.countDown();
			awaitQuietly(proceed);
			return new Thread(task) {
				@Override
				public synchronized void start() {
					startedAfterClose.add(closeReturned.get());
					super.start();
				}
			};
		});
		Thread forker = new Thread(() -> group.fork(() -> null));
		forker.start();
		Threads.await(making);
		Thread releaser = new Thread(() -> {
			try {
				Thread.sleep(200);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			proceed.countDown();
		});
		releaser.start();
		group.close();
		closeReturned.set(true);
		forker.join(10_000);
		assertThat(startedAfterClose).as("threads started, and whether after close returned").containsExactly(false);
		assertThat(group.threadsHeld()).isZero();
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			Threads.await(latch);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Test
	void aLongLivedGroupDoesNotKeepAThreadPerTask() throws Exception {
		try (TaskGroup group = TaskGroup.create()) {
			for (int i = 0; i < 2_000; i++) {
				group.fork(() -> null).join();
			}
			assertThat(group.threadsHeld()).isLessThan(10);
		}
	}

	@Test
	void nestedGroupsOnAOneWorkerPoolDoNotDeadlock() {
		try (WorkerPool one = WorkerPool.create("tg-one", PoolConfig.defaults().withWorkers(1))) {
			List<Integer> results = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
				try (TaskGroup outer = TaskGroup.on(one)) {
					CompletableFuture<List<Integer>> nested = outer.fork(() -> {
						try (TaskGroup inner = TaskGroup.on(one)) {
							List<CompletableFuture<Integer>> parts = new ArrayList<>();
							for (int i = 0; i < 3; i++) {
								int n = i;
								parts.add(inner.fork(() -> n * 10));
							}
							inner.join();
							return parts.stream().map(CompletableFuture::join).toList();
						}
					});
					outer.join();
					return nested.join();
				}
			});
			assertThat(results).containsExactly(0, 10, 20);
		}
	}

	@Test
	void aLimitedGroupNestedOnAOneWorkerPoolDoesNotDeadlock() {
		try (WorkerPool one = WorkerPool.create("tg-one-limited", PoolConfig.defaults().withWorkers(1))) {
			int sum = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
				try (TaskGroup outer = TaskGroup.on(one)) {
					CompletableFuture<Integer> nested = outer.fork(() -> {
						AtomicInteger total = new AtomicInteger();
						try (TaskGroup inner = TaskGroup.on(one).limit(1)) {
							for (int i = 1; i <= 4; i++) {
								int n = i;
								// the second fork waits for the slot the first holds,
								// queued behind this worker
								inner.fork(() -> total.addAndGet(n));
							}
							inner.join();
						}
						return total.get();
					});
					outer.join();
					return nested.join();
				}
			});
			assertThat(sum).isEqualTo(10);
		}
	}

	@Test
	void aTaskCancelledWhileItsForkWaitsForAPoolPlaceGivesThePlaceBack() throws Exception {
		WorkerPool small = WorkerPool.create("leak-cancel",
				PoolConfig.defaults()
					.withWorkers(1)
					.withQueueCapacity(0)
					.withOverflow(QueueOverflow.BLOCK)
					.withSubmitTimeout(Duration.ofSeconds(2)));
		try {
			TaskGroup group = TaskGroup.on(small);
			CountDownLatch started = new CountDownLatch(1);
			CountDownLatch mayEnd = new CountDownLatch(1);
			group.fork(() -> {
				started.countDown();
				try {
					Thread.sleep(60_000);
				}
				catch (InterruptedException ex) {
					Threads.await(mayEnd);
				}
				return null;
			});
			Threads.await(started);
			// the pool is full: this fork waits in the pool for a place, its task already
			// in the group
			Thread forker = new Thread(() -> group.fork(() -> "second"));
			forker.start();
			await().until(() -> forker.getState() == Thread.State.TIMED_WAITING);
			// the timed-out join cancels the group: the waiting fork's task is cancelled
			// before it starts
			assertThatThrownBy(() -> group.join(Duration.ofMillis(50))).isInstanceOf(TimeoutException.class);
			// the first task ends and frees its place, which the waiting fork takes for
			// the cancelled task
			mayEnd.countDown();
			forker.join(5_000);
			group.close();
			// nothing runs now: the pool's one place must be free again
			assertThat(small.submit(() -> "next").get(5, TimeUnit.SECONDS)).isEqualTo("next");
		}
		finally {
			small.abandonRemaining();
		}
	}

	@Test
	void aTaskRunByAHelpingJoinWhileItsForkWaitsForAPoolPlaceGivesThePlaceBack() throws Exception {
		WorkerPool small = WorkerPool.create("leak-help",
				PoolConfig.defaults()
					.withWorkers(2)
					.withQueueCapacity(0)
					.withOverflow(QueueOverflow.BLOCK)
					.withSubmitTimeout(Duration.ofSeconds(2)));
		try {
			CountDownLatch firstStarted = new CountDownLatch(1);
			CountDownLatch release = new CountDownLatch(1);
			CountDownLatch helped = new CountDownLatch(1);
			CompletableFuture<TaskGroup> groupOf = new CompletableFuture<>();
			CompletableFuture<Object> outer = small.submit(() -> {
				try (TaskGroup group = TaskGroup.on(small)) {
					group.fork(() -> {
						firstStarted.countDown();
						Threads.await(release);
						return null;
					});
					// on the other worker, so not run by the join below
					Threads.await(firstStarted);
					groupOf.complete(group);
					// on a worker of the group's pool: helps with the group's unstarted
					// tasks
					group.join();
				}
				return null;
			});
			TaskGroup group = groupOf.get(5, TimeUnit.SECONDS);
			// both places are taken (the outer task, the first forked task): this fork
			// waits in the pool
			Thread forker = new Thread(() -> group.fork(() -> {
				helped.countDown();
				return "c";
			}));
			forker.start();
			// the joining worker runs the waiting fork's task within a millisecond or so
			helped.await(2, TimeUnit.SECONDS);
			// a place comes free, and the waiting fork hands the task (already run) to
			// the pool
			release.countDown();
			outer.get(5, TimeUnit.SECONDS);
			forker.join(5_000);
			// the pool is idle: both of its places must be free again
			CountDownLatch both = new CountDownLatch(2);
			CompletableFuture<Boolean> first = small.submit(() -> {
				both.countDown();
				return both.await(5, TimeUnit.SECONDS);
			});
			CompletableFuture<Boolean> second = small.submit(() -> {
				both.countDown();
				return both.await(5, TimeUnit.SECONDS);
			});
			assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
			assertThat(second.get(10, TimeUnit.SECONDS)).isTrue();
		}
		finally {
			small.abandonRemaining();
		}
	}

	@Test
	void aForkThatIsRefusedNeverRunsItsTask() throws Exception {
		WorkerPool small = WorkerPool.create("refused",
				PoolConfig.defaults()
					.withWorkers(2)
					.withQueueCapacity(0)
					.withOverflow(QueueOverflow.BLOCK)
					.withSubmitTimeout(Duration.ofMillis(500)));
		try {
			CountDownLatch firstStarted = new CountDownLatch(1);
			CountDownLatch release = new CountDownLatch(1);
			AtomicInteger runs = new AtomicInteger();
			CompletableFuture<TaskGroup> groupOf = new CompletableFuture<>();
			CompletableFuture<Object> outer = small.submit(() -> {
				try (TaskGroup group = TaskGroup.on(small)) {
					group.fork(() -> {
						firstStarted.countDown();
						Threads.await(release);
						return null;
					});
					Threads.await(firstStarted);
					groupOf.complete(group);
					group.join();
				}
				return null;
			});
			TaskGroup group = groupOf.get(5, TimeUnit.SECONDS);
			// both places stay taken for longer than the submit timeout: this fork is
			// refused
			CompletableFuture<Throwable> refusal = new CompletableFuture<>();
			Thread forker = new Thread(() -> {
				try {
					group.fork(runs::incrementAndGet);
					refusal.complete(null);
				}
				catch (Throwable ex) {
					refusal.complete(ex);
				}
			});
			forker.start();
			Throwable thrown = refusal.get(5, TimeUnit.SECONDS);
			release.countDown();
			outer.get(5, TimeUnit.SECONDS);
			assertThat(thrown).isInstanceOf(TaskRejectedException.class);
			assertThat(runs).as("the refused task ran all the same").hasValue(0);
		}
		finally {
			small.abandonRemaining();
		}
	}

	@Test
	void aCancelInterruptsTheTaskEvenWhenAHelpingJoinRacedAWorkerForIt() throws Exception {
		long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
		int rounds = 0;
		int misdirected = 0;
		while (System.nanoTime() < end && misdirected == 0) {
			rounds++;
			// a new pool each round: the group's task becomes the first task of a worker
			// that is
			// only starting, while the join below looks for unstarted tasks to run itself
			WorkerPool fresh = WorkerPool.create("race", PoolConfig.defaults().withWorkers(2));
			try {
				CountDownLatch started = new CountDownLatch(1);
				CountDownLatch bodyInterrupted = new CountDownLatch(1);
				AtomicReference<CompletableFuture<Object>> task = new AtomicReference<>();
				int spin = ThreadLocalRandom.current().nextInt(200_000);
				CompletableFuture<Object> outer = fresh.submit(() -> {
					try (TaskGroup group = TaskGroup.on(fresh)) {
						task.set(group.fork(() -> {
							started.countDown();
							try {
								Thread.sleep(3_000);
							}
							catch (InterruptedException ex) {
								bodyInterrupted.countDown();
							}
							return null;
						}));
						long until = System.nanoTime() + spin;
						while (System.nanoTime() < until) {
							Thread.onSpinWait();
						}
						group.join();
					}
					catch (InterruptedException ex) {
						// the joining thread got the interrupt meant for the task
					}
					return null;
				});
				assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
				while (task.get() == null) {
					Thread.onSpinWait();
				}
				task.get().cancel(true);
				if (!bodyInterrupted.await(2, TimeUnit.SECONDS)) {
					misdirected++;
				}
				outer.get(10, TimeUnit.SECONDS);
			}
			finally {
				fresh.abandonRemaining();
			}
		}
		assertThat(misdirected).as("cancels whose interrupt missed the task, in %d rounds", rounds).isZero();
	}

}
