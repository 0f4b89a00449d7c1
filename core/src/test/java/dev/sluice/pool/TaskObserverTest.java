package dev.sluice.pool;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

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
		return WorkerPool.create("observed", PoolConfig.defaults().withWorkers(workers), (task) -> () -> {
			this.log.add("decorator before");
			try {
				task.run();
			}
			finally {
				this.log.add("decorator after");
			}
		}, this.observer);
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
	void aPoolWithoutAnObserverOrDecoratorIsTheSameAsAPlainOne() throws Exception {
		try (WorkerPool pool = WorkerPool.create("plain", PoolConfig.defaults().withWorkers(1), null, null)) {
			assertThat(pool.submit(() -> "ran").get(10, TimeUnit.SECONDS)).isEqualTo("ran");
		}
	}

}
