package dev.sluice.pool;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.LogRecord;

import dev.sluice.LogRecords;
import dev.sluice.timeout.Deadline;
import dev.sluice.timeout.Timeout;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A pool's {@link TaskObserver} is started on the worker in the task's restored context,
 * around the decorated body, and ended with the body's outcome before the task's future
 * completes; a task that never runs is never observed.
 */
class TaskObserverTest {

	private final Queue<String> log = new ConcurrentLinkedQueue<>();

	private final TaskObserver observer = () -> {
		this.log.add("start " + Thread.currentThread().getName().startsWith("sluice-observed-") + " deadline "
				+ Deadline.current().isPresent());
		return (failure) -> this.log.add("end " + ((failure != null) ? failure.getMessage() : "ok"));
	};

	private WorkerPool pool(int workers) {
		return pool(workers, this.observer);
	}

	private WorkerPool pool(int workers, TaskObserver observer) {
		return WorkerPool.create("observed", PoolConfig.defaults().withWorkers(workers), (task) -> () -> {
			this.log.add("decorator before");
			try {
				task.run();
			}
			finally {
				this.log.add("decorator after");
			}
		}, observer);
	}

	@Test
	void aSubmittedTaskIsObservedOnTheWorkerInItsContextAroundTheDecoratedBody() throws Exception {
		try (WorkerPool pool = pool(1)) {
			String result = Timeout.call(Duration.ofMinutes(1), () -> pool.submit(() -> {
				this.log.add("body");
				return "done";
			}).get(10, TimeUnit.SECONDS));
			assertThat(result).isEqualTo("done");
			assertThat(this.log).containsExactly("start true deadline true", "decorator before", "body",
					"decorator after", "end ok");
		}
	}

	@Test
	void aFailingTaskEndsWithItsFailure() throws Exception {
		try (WorkerPool pool = pool(1)) {
			CompletableFuture<Object> failed = pool.submit(() -> {
				throw new IllegalStateException("boom");
			});
			assertThatThrownBy(() -> failed.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
				.hasRootCauseMessage("boom");
			assertThat(this.log).containsExactly("start true deadline false", "decorator before", "decorator after",
					"end boom");
			this.log.clear();
			pool.execute(() -> {
				throw new IllegalArgumentException("plain");
			});
			// the worker's uncaught-exception handler sees "plain" too, which is expected
			// here: Awaitility must not take it for a failure of the wait
			await().dontCatchUncaughtExceptions()
				.atMost(Duration.ofSeconds(10))
				.until(() -> this.log.contains("end plain"));
			assertThat(this.log).containsExactly("start true deadline false", "decorator before", "decorator after",
					"end plain");
		}
	}

	@Test
	void aTaskCancelledBeforeItRanIsNeverObserved() throws Exception {
		try (WorkerPool pool = pool(1)) {
			CountDownLatch release = new CountDownLatch(1);
			CompletableFuture<Object> busy = pool.submit(() -> release.await(10, TimeUnit.SECONDS));
			CompletableFuture<Object> queued = pool.submit(() -> "never");
			assertThat(queued.cancel(true)).isTrue();
			release.countDown();
			busy.get(10, TimeUnit.SECONDS);
			assertThat(this.log).containsExactly("start true deadline false", "decorator before", "decorator after",
					"end ok");
		}
	}

	@Test
	void aTaskWhoseObserverFailsToStartRunsUnobservedAndTheFailureIsLoggedOnce() throws Exception {
		TaskObserver failing = () -> {
			throw new IllegalStateException("no observation today");
		};
		try (LogRecords records = LogRecords.of(WorkerPool.class); WorkerPool pool = pool(1, failing)) {
			CountDownLatch ran = new CountDownLatch(1);
			pool.execute(() -> {
				this.log.add("executed");
				ran.countDown();
			});
			assertThat(ran.await(10, TimeUnit.SECONDS)).as("the executed task ran").isTrue();
			assertThat(pool.submit(() -> "submitted").get(10, TimeUnit.SECONDS)).isEqualTo("submitted");
			assertThat(this.log).containsExactly("decorator before", "executed", "decorator after", "decorator before",
					"decorator after");
			List<LogRecord> warnings = records.warnings();
			assertThat(warnings).hasSize(1);
			assertThat(warnings.get(0).getMessage()).contains("pool 'observed'", "start()", "without its observation");
			assertThat(warnings.get(0).getThrown()).hasMessage("no observation today");
		}
	}

	@Test
	void aTaskWhoseObserverStartsWithNullRunsUnobserved() throws Exception {
		try (LogRecords records = LogRecords.of(WorkerPool.class); WorkerPool pool = pool(1, () -> null)) {
			assertThat(pool.submit(() -> "ran").get(10, TimeUnit.SECONDS)).isEqualTo("ran");
			assertThat(records.warnings()).singleElement()
				.satisfies((record) -> assertThat(record.getThrown()).isInstanceOf(NullPointerException.class));
		}
	}

	@Test
	void anObserverThatFailsToEndLeavesTheTaskItsOwnOutcome() throws Exception {
		TaskObserver failingEnd = () -> (failure) -> {
			this.log.add("end " + ((failure != null) ? failure.getMessage() : "ok"));
			throw new IllegalStateException("end failed");
		};
		try (LogRecords records = LogRecords.of(WorkerPool.class); WorkerPool pool = pool(1, failingEnd)) {
			assertThat(pool.submit(() -> "value").get(10, TimeUnit.SECONDS)).isEqualTo("value");
			IllegalArgumentException boom = new IllegalArgumentException("boom");
			CompletableFuture<Object> failed = pool.submit(() -> {
				throw boom;
			});
			assertThatThrownBy(() -> failed.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
				.cause()
				.isSameAs(boom);
			assertThat(boom.getSuppressed()).isEmpty();
			// an executed task's end that threw would reach the worker's
			// uncaught-exception handler and end that worker: the next task would run on
			// another
			AtomicReference<Thread> first = new AtomicReference<>();
			AtomicReference<Thread> second = new AtomicReference<>();
			CountDownLatch ran = new CountDownLatch(2);
			pool.execute(() -> {
				first.set(Thread.currentThread());
				ran.countDown();
			});
			pool.execute(() -> {
				second.set(Thread.currentThread());
				ran.countDown();
			});
			assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
			await().atMost(Duration.ofSeconds(10)).until(() -> ends().size() == 4);
			assertThat(second.get()).isSameAs(first.get());
			assertThat(ends()).containsExactly("end ok", "end boom", "end ok", "end ok");
			assertThat(records.warnings()).singleElement().satisfies((record) -> {
				assertThat(record.getMessage()).contains("end()", "outcome is its own");
				assertThat(record.getThrown()).hasMessage("end failed");
			});
		}
	}

	private List<String> ends() {
		return this.log.stream().filter((entry) -> entry.startsWith("end")).toList();
	}

	@Test
	void aPoolWithoutAnObserverOrDecoratorIsTheSameAsAPlainOne() throws Exception {
		try (WorkerPool pool = WorkerPool.create("plain", PoolConfig.defaults().withWorkers(1), null, null)) {
			assertThat(pool.submit(() -> "ran").get(10, TimeUnit.SECONDS)).isEqualTo("ran");
		}
	}

}
