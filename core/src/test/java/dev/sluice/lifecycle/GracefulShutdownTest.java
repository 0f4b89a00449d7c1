package dev.sluice.lifecycle;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.sluice.bulkhead.Bulkhead;
import dev.sluice.bulkhead.BulkheadConfig;
import dev.sluice.pool.PoolConfig;
import dev.sluice.pool.WorkerPool;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GracefulShutdownTest {

	@Test
	void queuedTasksThatNeedABulkheadStillGetItWhileThePoolDrains() throws Exception {
		Bulkhead bulkhead = Bulkhead.create("db",
				BulkheadConfig.ofPermits(1).withAcquireTimeout(Duration.ofSeconds(5)));
		WorkerPool pool = WorkerPool.create("jobs", PoolConfig.defaults().withWorkers(1));
		CountDownLatch release = new CountDownLatch(1);
		pool.submit(() -> {
			release.await(10, TimeUnit.SECONDS);
			return null;
		});
		CompletableFuture<String> queued = pool.submit(() -> bulkhead.call(() -> "done"));
		Thread releaser = new Thread(() -> {
			try {
				Thread.sleep(50);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			release.countDown();
		});
		releaser.start();

		// the bulkhead is listed first, yet stops only after the pool has drained
		ShutdownReport report = GracefulShutdown.drain(List.of(bulkhead, pool), Duration.ofSeconds(10));

		assertThat(queued).isCompletedWithValue("done");
		assertThat(report.clean()).isTrue();
		assertThat(report.components()).extracting(ShutdownReport.Component::name).containsExactly("jobs", "db");
		assertThat(bulkhead.isShutdown()).isTrue();
		assertThatThrownBy(bulkhead::acquire).hasMessageContaining("shut down");
	}

	@Test
	void aNegativeTimeoutIsRefused() {
		assertThatThrownBy(() -> GracefulShutdown.drain(List.of(), Duration.ofSeconds(-1)))
			.isInstanceOf(IllegalArgumentException.class);
	}

}
