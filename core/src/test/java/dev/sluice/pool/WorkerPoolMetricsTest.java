package dev.sluice.pool;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import dev.sluice.pool.QueueOverflow;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class WorkerPoolMetricsTest {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final WorkerPool pool = WorkerPool.create("metered",
			PoolConfig.defaults().withWorkers(1).withQueueCapacity(1).withOverflow(QueueOverflow.REJECT));

	@AfterEach
	void close() {
		this.pool.close();
	}

	@Test
	void metersFollowThePoolsLiveState() throws Exception {
		new WorkerPoolMetrics(List.of(this.pool), Tags.of("app", "test")).bindTo(this.registry);
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		this.pool.submit(() -> {
			started.countDown();
			Threads.await(release);
			return null;
		});
		Threads.await(started);
		this.pool.submit(() -> null);
		assertThatThrownBy(() -> this.pool.submit(() -> null)).isInstanceOf(TaskRejectedException.class);

		assertThat(gauge("executor.active")).isEqualTo(1);
		assertThat(gauge("executor.queued")).isEqualTo(1);
		assertThat(gauge("executor.queue.remaining")).isZero();
		assertThat(gauge("executor.pool.core")).isEqualTo(1);
		assertThat(this.registry.get("sluice.pool.rejected")
			.tags("name", "metered", "app", "test")
			.functionCounter()
			.count()).isEqualTo(1);

		release.countDown();
		await()
			.until(() -> this.registry.get("executor.completed").tag("name", "metered").functionCounter().count() == 2);
		assertThat(this.registry.get("executor").tag("name", "metered").functionTimer().count()).isEqualTo(2);
		assertThat(this.registry.get("executor")
			.tag("name", "metered")
			.functionTimer()
			.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS)).isPositive();
	}

	@Test
	void abandonedTasksAreCounted() throws Exception {
		new WorkerPoolMetrics(List.of(this.pool), Tags.empty()).bindTo(this.registry);
		CountDownLatch started = new CountDownLatch(1);
		this.pool.submit(() -> {
			started.countDown();
			Thread.sleep(60_000);
			return null;
		});
		Threads.await(started);
		this.pool.stopIntake();
		this.pool.awaitDrained(Duration.ofMillis(10));
		this.pool.abandonRemaining();
		assertThat(this.registry.get("sluice.pool.abandoned").tag("name", "metered").functionCounter().count())
			.isEqualTo(1);
	}

	private double gauge(String name) {
		return this.registry.get(name).tag("name", "metered").gauge().value();
	}

}
