package dev.sluice.timeout;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import dev.sluice.bulkhead.Bulkhead;
import dev.sluice.bulkhead.BulkheadConfig;
import dev.sluice.bulkhead.BulkheadException;
import dev.sluice.pipeline.Channel;
import dev.sluice.pool.PoolConfig;
import dev.sluice.pool.TaskRejectedException;
import dev.sluice.pool.WorkerPool;
import dev.sluice.ratelimit.RateLimitConfig;
import dev.sluice.ratelimit.RateLimitExceededException;
import dev.sluice.ratelimit.RateLimiter;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class TimeoutTest {

	private static final Duration LONG = Duration.ofSeconds(30);

	@Test
	void workThatFinishesInTimeGivesItsResult() throws Exception {
		assertThat(Timeout.call(Duration.ofSeconds(5), () -> "done")).isEqualTo("done");
		assertThat(Deadline.current()).isEmpty();
	}

	@Test
	void workThatFinishesInTimeGivesItsOwnException() {
		IllegalStateException boom = new IllegalStateException("boom");
		assertThatThrownBy(() -> Timeout.call(Duration.ofSeconds(5), () -> {
			throw boom;
		})).isSameAs(boom);
	}

	@Test
	void workPastItsDeadlineIsInterruptedAndTheCallerGetsATimeout() {
		AtomicBoolean interrupted = new AtomicBoolean();
		long start = System.nanoTime();
		assertThatThrownBy(() -> Timeout.run(Duration.ofMillis(100), () -> {
			try {
				Thread.sleep(30_000);
			}
			catch (InterruptedException ex) {
				interrupted.set(true);
			}
		})).isInstanceOf(TimeoutException.class).hasMessageContaining("PT0.1S");
		assertThat(interrupted).isTrue();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
		assertThat(Thread.currentThread().isInterrupted()).as("no interrupt leaks to the caller").isFalse();
	}

	/**
	 * Runs a nested call after the deadline has passed and its interrupt has been
	 * consumed, so that only the deadline itself can stop the nested wait early; returns
	 * what the nested call threw.
	 */
	private static Throwable thrownAfterTheDeadline(Callable<?> nested) {
		AtomicReference<Throwable> thrown = new AtomicReference<>();
		AtomicLong took = new AtomicLong();
		assertThatThrownBy(() -> Timeout.call(Duration.ofMillis(50), () -> {
			while (!Thread.currentThread().isInterrupted()) {
				Thread.onSpinWait();
			}
			Thread.interrupted();
			long start = System.nanoTime();
			try {
				nested.call();
			}
			catch (Throwable ex) {
				thrown.set(ex);
			}
			took.set(System.nanoTime() - start);
			return null;
		})).isInstanceOf(TimeoutException.class);
		assertThat(Duration.ofNanos(took.get())).as("the nested call waited despite the deadline")
			.isLessThan(Duration.ofSeconds(5));
		return thrown.get();
	}

	@Test
	void theDeadlineCarriesIntoASemaphoreAcquire() throws Exception {
		Bulkhead full = Bulkhead.create("full", BulkheadConfig.ofPermits(1));
		full.acquire(1, Duration.ZERO);
		assertThat(thrownAfterTheDeadline(() -> full.acquire(1, LONG))).isInstanceOfSatisfying(BulkheadException.class,
				(ex) -> assertThat(ex.reason()).isEqualTo(BulkheadException.Reason.FULL));
	}

	@Test
	void theDeadlineCarriesIntoARateLimiterWait() throws Exception {
		RateLimiter limiter = RateLimiter.create("slow", new RateLimitConfig(1, Duration.ofMinutes(1), 1, LONG));
		limiter.acquire();
		assertThat(thrownAfterTheDeadline(() -> {
			limiter.acquire();
			return null;
		})).isInstanceOfSatisfying(RateLimitExceededException.class,
				(ex) -> assertThat(ex.reason()).isEqualTo(RateLimitExceededException.Reason.LIMITED));
	}

	@Test
	void theDeadlineCarriesIntoChannelReceivesAndSends() throws Exception {
		Channel<String> channel = Channel.bounded(1);
		assertThat(thrownAfterTheDeadline(() -> channel.receive(LONG))).isInstanceOf(TimeoutException.class);
		channel.send("x", LONG);
		assertThat(thrownAfterTheDeadline(() -> {
			channel.send("y", LONG);
			return null;
		})).isInstanceOf(TimeoutException.class);
	}

	@Test
	void theDeadlineCarriesIntoAPoolSubmissionWaitingForRoom() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		try (WorkerPool pool = WorkerPool.create("deadline",
				PoolConfig.defaults().withWorkers(1).withQueueCapacity(1).withSubmitTimeout(LONG))) {
			pool.submit(() -> {
				release.await();
				return null;
			});
			pool.submit(() -> null);
			assertThat(thrownAfterTheDeadline(() -> pool.submit(() -> null))).isInstanceOfSatisfying(
					TaskRejectedException.class,
					(ex) -> assertThat(ex.reason()).isEqualTo(TaskRejectedException.Reason.TIMED_OUT));
			release.countDown();
		}
	}

	@Test
	void anErrorPastTheDeadlineStillLeavesNoInterruptBehind() {
		assertThatThrownBy(() -> Timeout.call(Duration.ofMillis(20), () -> {
			while (!Thread.currentThread().isInterrupted()) {
				Thread.onSpinWait();
			}
			throw new AssertionError("late and broken");
		})).isInstanceOf(TimeoutException.class);
		assertThat(Thread.interrupted()).as("no interrupt leaks to the caller").isFalse();
	}

	@Test
	void aCallersOwnEarlierInterruptIsKept() {
		Thread.currentThread().interrupt();
		assertThatThrownBy(() -> Timeout.call(Duration.ofMillis(20), () -> {
			long end = System.nanoTime() + 200_000_000L;
			while (System.nanoTime() < end) {
				Thread.onSpinWait();
			}
			return null;
		})).isInstanceOf(TimeoutException.class);
		assertThat(Thread.interrupted()).as("the caller's own interrupt is still there").isTrue();
	}

	@Test
	void aNestedDeadlineIsNeverLaterThanItsCallers() throws Exception {
		Duration left = Timeout.call(Duration.ofMillis(500),
				() -> Timeout.call(Duration.ofMinutes(5), () -> Deadline.current().orElseThrow().remaining()));
		assertThat(left).isLessThanOrEqualTo(Duration.ofMillis(500));
		Duration inner = Timeout.call(Duration.ofMinutes(5),
				() -> Timeout.call(Duration.ofMillis(200), () -> Deadline.current().orElseThrow().remaining()));
		assertThat(inner).isLessThanOrEqualTo(Duration.ofMillis(200));
		assertThat(Deadline.current()).isEmpty();
	}

	@Test
	void aNestedTimeoutKeepsTheOuterCallsInterrupt() {
		AtomicBoolean fallbackInterrupted = new AtomicBoolean();
		long start = System.nanoTime();
		assertThatThrownBy(() -> Timeout.call(Duration.ofMillis(100), () -> {
			try {
				// capped to the outer deadline: both alarms go off while this ignores
				// interrupts
				return Timeout.call(Duration.ofSeconds(10), () -> spin(Duration.ofMillis(400)));
			}
			catch (TimeoutException ex) {
				try {
					Thread.sleep(10_000);
				}
				catch (InterruptedException interrupted) {
					fallbackInterrupted.set(true);
				}
				return "fallback";
			}
		})).isInstanceOf(TimeoutException.class);
		assertThat(fallbackInterrupted).as("the outer call's interrupt reached the fallback").isTrue();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
		assertThat(Thread.currentThread().isInterrupted()).isFalse();
	}

	@Test
	void aResultFinishedBeforeTheAlarmIsNeverReplacedByATimeout() throws Exception {
		// an alarm that goes off as late as it can: after the work returned, as the call
		// cancels it
		Timeout.Alarms lateAlarms = (alarm, nanos) -> alarm;
		assertThat(Timeout.call(Duration.ofSeconds(10), () -> "finished", lateAlarms)).isEqualTo("finished");
		assertThat(Thread.currentThread().isInterrupted()).as("the late interrupt is taken back").isFalse();
		IllegalStateException failure = new IllegalStateException("its own");
		assertThatThrownBy(() -> Timeout.call(Duration.ofSeconds(10), () -> {
			throw failure;
		}, lateAlarms)).isSameAs(failure);
		assertThat(Thread.currentThread().isInterrupted()).isFalse();
	}

	@Test
	void aTimeoutInsideACancelledPoolTaskKeepsTheCancelsInterrupt() throws Exception {
		try (WorkerPool pool = WorkerPool.create("timeout-in-task", PoolConfig.defaults().withWorkers(1))) {
			CountDownLatch spinning = new CountDownLatch(1);
			AtomicBoolean interruptedAfterTimeout = new AtomicBoolean();
			CompletableFuture<Object> task = pool.submit(() -> {
				try {
					Timeout.call(Duration.ofMillis(300), () -> {
						spinning.countDown();
						return spin(Duration.ofMillis(600));
					});
				}
				catch (TimeoutException ex) {
					// the cancel came while the timeout's work ran: it is the task's, and
					// must survive
					interruptedAfterTimeout.set(Thread.currentThread().isInterrupted());
				}
				return null;
			});
			spinning.await();
			task.cancel(true);
			await().until(() -> pool.stats().active() == 0);
			assertThat(interruptedAfterTimeout).isTrue();
		}
	}

	private static String spin(Duration duration) {
		long end = System.nanoTime() + duration.toNanos();
		while (System.nanoTime() < end) {
			Thread.onSpinWait();
		}
		return "spun";
	}

}
