package dev.sluice.pool;

import java.time.Duration;

import dev.sluice.LogRecords;
import dev.sluice.pool.PoolConfig.Threads;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@Tag("virtual-threads")
class VirtualThreadPoolTest {

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void virtualPoolRunsTasksOnVirtualThreads() throws Exception {
		try (WorkerPool pool = WorkerPool.create("virtual", PoolConfig.defaults().withThreads(Threads.VIRTUAL))) {
			Boolean virtual = pool
				.submit(() -> (Boolean) Thread.class.getMethod("isVirtual").invoke(Thread.currentThread()))
				.get();
			assertThat(virtual).isTrue();
			assertThat(pool.stats().virtualThreads()).isTrue();
			assertThat(pool.map(java.util.List.of(1, 2, 3), (i) -> i * 10)).containsExactly(10, 20, 30);
			SimpleMeterRegistry meters = new SimpleMeterRegistry();
			new WorkerPoolMetrics(java.util.List.of(pool), Tags.empty()).bindTo(meters);
			pool.submit(() -> null).get();
			assertThat(pool.stats().completed()).isGreaterThanOrEqualTo(1);
			assertThat(pool.stats().taskTime()).isGreaterThan(Duration.ZERO);
			await()
				.until(() -> meters.get("executor.completed").tag("name", "virtual").functionCounter().count() == pool
					.stats()
					.completed());
			assertThat(meters.get("executor.pool.max").tag("name", "virtual").gauge().value())
				.isEqualTo(PoolConfig.DEFAULT_WORKERS);
		}
	}

	@Test
	@EnabledForJreRange(max = JRE.JAVA_20)
	void virtualPoolFallsBackToPlatformThreadsWhereTheJvmHasNoneAndSaysSo() throws Exception {
		try (LogRecords log = LogRecords.of(WorkerPool.class);
				WorkerPool pool = WorkerPool.create("virtual", PoolConfig.defaults().withThreads(Threads.VIRTUAL))) {
			assertThat(log.warnings()).singleElement()
				.satisfies(
						(record) -> assertThat(record.getMessage()).contains("Pool 'virtual' asked for virtual threads")
							.contains("runs on platform threads"));
			assertThat(pool.stats().virtualThreads()).isFalse();
			assertThat(pool.submit(() -> Thread.currentThread().getName()).get()).startsWith("sluice-virtual-");
		}
	}

}
