package dev.sluice.context;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.sluice.pool.PoolConfig;
import dev.sluice.pool.TaskGroup;
import dev.sluice.pool.WorkerPool;
import dev.sluice.timeout.Deadline;
import dev.sluice.timeout.Timeout;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Core without Micrometer Context Propagation on the class path: run by a surefire
 * execution of its own that leaves the jar out (tag {@code without-context-library}).
 */
@Tag("without-context-library")
class WithoutContextLibraryTest {

	@Test
	void theLibraryIsAbsentAndNothingLoadsIt() {
		assertThatThrownBy(() -> Class.forName("io.micrometer.context.ContextSnapshotFactory"))
			.isInstanceOf(ClassNotFoundException.class);
		assertThat(CapturedContext.libraryPresent()).isFalse();
		assertThat(CapturedContext.capture().isEmpty()).isTrue();
	}

	@Test
	void theDeadlineStillTravels() throws Exception {
		try (WorkerPool pool = WorkerPool.create("no-library", PoolConfig.defaults().withWorkers(1))) {
			boolean[] seen = Timeout.call(Duration.ofSeconds(30), () -> {
				try (TaskGroup group = TaskGroup.create()) {
					var forked = group.fork(() -> Deadline.current().isPresent());
					group.join();
					return new boolean[] { pool.submit(() -> Deadline.current().isPresent()).get(10, TimeUnit.SECONDS),
							forked.join() };
				}
			});
			assertThat(seen).containsExactly(true, true);
			assertThat(pool.submit(() -> Deadline.current().isPresent()).get(10, TimeUnit.SECONDS)).isFalse();
		}
	}

}
