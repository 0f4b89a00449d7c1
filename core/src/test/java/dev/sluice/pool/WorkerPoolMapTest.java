package dev.sluice.pool;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class WorkerPoolMapTest {

	private final WorkerPool pool = WorkerPool.create("batch", PoolConfig.defaults().withWorkers(4));

	@AfterEach
	void close() {
		this.pool.close();
	}

	@Test
	void resultsKeepInputOrder() throws Exception {
		List<Integer> items = IntStream.range(0, 10_000).boxed().collect(Collectors.toList());
		List<String> results = this.pool.map(items, (i) -> {
			if (i % 1000 == 0) {
				Thread.yield();
			}
			return "#" + i;
		});
		assertThat(results).hasSize(10_000);
		for (int i = 0; i < items.size(); i++) {
			assertThat(results.get(i)).isEqualTo("#" + i);
		}
	}

	@Test
	void everyItemIsProcessedExactlyOnce() throws Exception {
		AtomicInteger calls = new AtomicInteger();
		List<Integer> items = IntStream.range(0, 1234).boxed().toList();
		this.pool.map(items, (i) -> calls.incrementAndGet());
		assertThat(calls).hasValue(1234);
	}

	@Test
	void anEmptyBatchGivesAnEmptyList() throws Exception {
		assertThat(this.pool.map(List.<Integer>of(), (i) -> i)).isEmpty();
	}

	@Test
	void resultsAreUnmodifiable() throws Exception {
		List<Integer> results = this.pool.map(List.of(1, 2), (i) -> i);
		assertThatThrownBy(() -> results.set(0, 5)).isInstanceOf(UnsupportedOperationException.class);
	}

	@RepeatedTest(5)
	void theFirstFailureInterruptsTheOthersAndIsThrown() {
		IllegalStateException boom = new IllegalStateException("item 0 failed");
		CountDownLatch othersStarted = new CountDownLatch(3);
		AtomicInteger interrupted = new AtomicInteger();
		AtomicInteger finished = new AtomicInteger();
		assertThatThrownBy(() -> this.pool.map(List.of(0, 1, 2, 3), (i) -> {
			try {
				if (i == 0) {
					Threads.await(othersStarted);
					throw boom;
				}
				othersStarted.countDown();
				Thread.sleep(60_000);
				finished.incrementAndGet();
			}
			catch (InterruptedException ex) {
				interrupted.incrementAndGet();
			}
			return i;
		})).isSameAs(boom);
		await().atMost(Duration.ofSeconds(10)).until(() -> interrupted.get() == 3);
		assertThat(finished).hasValue(0);
	}

	@Test
	void noItemStartsAfterTheFirstFailure() {
		AtomicInteger started = new AtomicInteger();
		WorkerPool single = WorkerPool.create("batch-single", PoolConfig.defaults().withWorkers(1));
		try (single) {
			List<Integer> items = IntStream.range(0, 1000).boxed().toList();
			assertThatThrownBy(() -> single.map(items, (i) -> {
				started.incrementAndGet();
				if (i == 0) {
					throw new IllegalArgumentException("bad item 0");
				}
				try {
					Thread.sleep(5);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				return i;
			})).isInstanceOf(IllegalArgumentException.class).hasMessage("bad item 0");
			// the failing item, and at most one item on the other participant that was
			// already running
			assertThat(started.get()).isBetween(1, 2);
		}
	}

	@RepeatedTest(20)
	void aHelpersFailureInterruptsTheOtherHelpersBeforeTheBatchThrows() {
		WorkerPool two = WorkerPool.create("batch-race", PoolConfig.defaults().withWorkers(2));
		try (two) {
			AtomicInteger stillRunning = new AtomicInteger();
			IllegalStateException boom = new IllegalStateException("boom");
			// three items, one per participant: whichever takes item 1 fails after a
			// moment
			assertThatThrownBy(() -> two.map(List.of(0, 1, 2), (i) -> {
				stillRunning.incrementAndGet();
				try {
					if (i == 1) {
						Thread.sleep(5);
						throw boom;
					}
					Thread.sleep(10_000);
					return i;
				}
				catch (InterruptedException ex) {
					return -1;
				}
				finally {
					stillRunning.decrementAndGet();
				}
			})).isSameAs(boom);
			assertThat(stillRunning).as("items still running after the batch threw").hasValue(0);
		}
	}

	@Test
	void helpersThatNeverRanLeaveThePoolsQueue() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		WorkerPool busy = WorkerPool.create("batch-busy",
				PoolConfig.defaults().withWorkers(1).withQueueCapacity(1).withOverflow(QueueOverflow.REJECT));
		try (busy) {
			busy.submit(() -> {
				Threads.await(release);
				return null;
			});
			await().until(() -> busy.stats().active() == 1);
			assertThat(busy.map(List.of(1, 2, 3, 4), (i) -> i * 2)).containsExactly(2, 4, 6, 8);
			assertThat(busy.stats().queued()).isZero();
			assertThat(busy.submit(() -> "queued")).isNotNull();
			release.countDown();
		}
	}

	@Test
	void aBatchInsideAPoolTaskDoesNotDeadlock() {
		WorkerPool single = WorkerPool.create("batch-nested", PoolConfig.defaults().withWorkers(1));
		try (single) {
			List<Integer> items = IntStream.range(0, 100).boxed().toList();
			assertThat(single.submit(() -> single.map(items, (i) -> i + 1))).succeedsWithin(Duration.ofSeconds(10))
				.asList()
				.hasSize(100)
				.startsWith(1, 2, 3);
		}
	}

	@Test
	void callerInterruptCancelsTheBatch() throws Exception {
		AtomicInteger interrupted = new AtomicInteger();
		CountDownLatch running = new CountDownLatch(2);
		Thread caller = new Thread(() -> {
			try {
				this.pool.map(List.of(1, 2, 3, 4, 5), (i) -> {
					running.countDown();
					try {
						Thread.sleep(60_000);
					}
					catch (InterruptedException ex) {
						interrupted.incrementAndGet();
						throw new IllegalStateException(ex);
					}
					return i;
				});
			}
			catch (Exception ex) {
				// expected: interrupted or the item's failure
			}
		});
		caller.start();
		Threads.await(running);
		caller.interrupt();
		caller.join(10_000);
		assertThat(caller.isAlive()).isFalse();
		await().until(() -> this.pool.stats().active() == 0);
		assertThat(interrupted.get()).isPositive();
	}

	@Test
	void mapNeverLosesTheCallersOwnPendingInterrupt() throws Exception {
		try (WorkerPool one = WorkerPool.create("batch-one", PoolConfig.defaults().withWorkers(1))) {
			CountDownLatch callerWorking = new CountDownLatch(1);
			AtomicInteger helperFailed = new AtomicInteger();
			Thread caller = Thread.currentThread();
			caller.interrupt();
			Throwable thrown = null;
			try {
				one.map(List.of(1, 2), (i) -> {
					if (Thread.currentThread() != caller) {
						awaitQuietly(callerWorking);
						helperFailed.set(1);
						throw new IllegalStateException("helper failed");
					}
					callerWorking.countDown();
					// ignore interrupts until the helper's failure has cancelled
					// (interrupted) this share
					long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
					while (helperFailed.get() == 0 && System.nanoTime() < end) {
						Thread.onSpinWait();
					}
					long settle = System.nanoTime() + Duration.ofMillis(200).toNanos();
					while (System.nanoTime() < settle) {
						Thread.onSpinWait();
					}
					return i;
				});
			}
			catch (InterruptedException | IllegalStateException ex) {
				thrown = ex;
			}
			boolean stillInterrupted = Thread.interrupted();
			// the interrupt is either reported as such or still set: never silently gone
			assertThat(thrown instanceof InterruptedException || stillInterrupted)
				.as("thrown %s, interrupt status %s", thrown, stillInterrupted)
				.isTrue();
		}
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			Threads.await(latch);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
