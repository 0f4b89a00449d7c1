package dev.sluice.pool;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sluice.lifecycle.GracefulShutdown;
import dev.sluice.lifecycle.ShutdownReport;
import dev.sluice.pool.QueueOverflow;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Submitters race a shutdown: every task the pool accepted must end up either run or
 * abandoned and counted, under every overflow policy.
 */
class WorkerPoolShutdownStressTest {

	@ParameterizedTest
	@EnumSource(QueueOverflow.class)
	void noAcceptedTaskIsLostWhenShutdownRacesSubmitters(QueueOverflow overflow) throws Exception {
		for (int round = 0; round < 5; round++) {
			WorkerPool pool = WorkerPool.create("stress-" + overflow.configName(),
					PoolConfig.defaults()
						.withWorkers(2)
						.withQueueCapacity(8)
						.withOverflow(overflow)
						.withSubmitTimeout(Duration.ofMillis(5)));
			Queue<CompletableFuture<Integer>> accepted = new ConcurrentLinkedQueue<>();
			AtomicInteger ran = new AtomicInteger();
			AtomicInteger shutdownRejections = new AtomicInteger();
			CountDownLatch submittersDone = new CountDownLatch(4);
			for (int s = 0; s < 4; s++) {
				new Thread(() -> {
					try {
						while (true) {
							try {
								accepted.add(pool.submit(() -> {
									if (ThreadLocalRandom.current().nextInt(4) == 0) {
										Thread.sleep(1);
									}
									return ran.incrementAndGet();
								}));
							}
							catch (TaskRejectedException ex) {
								if (ex.reason() == TaskRejectedException.Reason.SHUT_DOWN) {
									shutdownRejections.incrementAndGet();
									return;
								}
							}
						}
					}
					finally {
						submittersDone.countDown();
					}
				}, "stress-submitter-" + s).start();
			}
			await().until(() -> accepted.size() > 200);
			ShutdownReport report = GracefulShutdown.drain(List.of(pool),
					Duration.ofMillis(ThreadLocalRandom.current().nextInt(3)));
			Threads.await(submittersDone);
			await().until(pool::isTerminated);

			assertThat(shutdownRejections).hasValue(4);
			await().until(() -> accepted.stream().allMatch(CompletableFuture::isDone));
			long normal = accepted.stream().filter((future) -> !future.isCompletedExceptionally()).count();
			long unfinished = accepted.size() - normal;
			// a task completed normally exactly when it ran to its end
			assertThat((long) ran.get()).isEqualTo(normal);
			// a task that did not finish (dropped from the queue, or interrupted while
			// running) was abandoned
			// and counted; a running task that was interrupted may still have finished,
			// so it is at most
			assertThat((long) report.abandoned()).isGreaterThanOrEqualTo(unfinished);
			assertThat(pool.stats().abandoned()).isEqualTo(report.abandoned());
		}
	}

}
