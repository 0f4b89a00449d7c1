package dev.sluice.pool;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Binds worker pools to Micrometer under the names of Micrometer's own
 * {@code ExecutorServiceMetrics} ({@code executor.completed}, {@code executor.active},
 * {@code executor.queued}, {@code executor.queue.remaining}, {@code executor.pool.size},
 * {@code executor.pool.core}, {@code executor.pool.max}, and the {@code executor} timer
 * of task time), tagged {@code name}, so that existing executor dashboards show them.
 * Pools on virtual threads report the same meters. It adds what those lack:
 * {@code sluice.pool.rejected}, {@code sluice.pool.caller.runs} and
 * {@code sluice.pool.abandoned}.
 *
 * <p>
 * Every meter reads the pool's own counters when it is scraped; binding adds no cost to
 * the task path.
 */
public final class WorkerPoolMetrics implements MeterBinder {

	private final List<WorkerPool> pools;

	private final Tags tags;

	/**
	 * Metrics for the given pools, each tagged with its name and the given extra tags.
	 */
	public WorkerPoolMetrics(Iterable<WorkerPool> pools, Iterable<Tag> tags) {
		this.pools = toList(pools);
		this.tags = Tags.of(tags);
	}

	private static List<WorkerPool> toList(Iterable<WorkerPool> pools) {
		List<WorkerPool> list = new ArrayList<>();
		pools.forEach(list::add);
		return List.copyOf(list);
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		for (WorkerPool pool : this.pools) {
			bind(pool, registry);
		}
	}

	private void bind(WorkerPool pool, MeterRegistry registry) {
		Tags tags = this.tags.and("name", pool.name());
		PoolExecutor executor = pool.executor();
		FunctionCounter.builder("executor.completed", executor, (e) -> e.completed.sum())
			.tags(tags)
			.description("The approximate total number of tasks that have completed execution")
			.baseUnit("tasks")
			.register(registry);
		gauge(registry, "executor.active", executor, PoolExecutor::getActiveCount, tags, "threads",
				"The approximate number of threads that are actively executing tasks");
		gauge(registry, "executor.queued", executor, (e) -> e.getQueue().size(), tags, "tasks",
				"The approximate number of tasks that are queued for execution");
		gauge(registry, "executor.queue.remaining", executor, PoolExecutor::queueRemaining, tags, "tasks",
				"The number of additional elements that this queue can ideally accept without blocking");
		gauge(registry, "executor.pool.size", executor, PoolExecutor::getPoolSize, tags, "threads",
				"The current number of threads in the pool");
		gauge(registry, "executor.pool.core", executor, PoolExecutor::getCorePoolSize, tags, "threads",
				"The core number of threads for the pool");
		gauge(registry, "executor.pool.max", executor, PoolExecutor::getMaximumPoolSize, tags, "threads",
				"The maximum allowed number of threads in the pool");
		FunctionTimer
			.builder("executor", executor, (e) -> e.completed.sum(), (e) -> e.taskNanos.sum(), TimeUnit.NANOSECONDS)
			.tags(tags)
			.description("Time workers spent running tasks")
			.register(registry);
		counter(registry, "sluice.pool.rejected", executor, (e) -> e.rejected.sum(), tags,
				"Submissions refused because the pool was full or shut down");
		counter(registry, "sluice.pool.caller.runs", executor, (e) -> e.callerRuns.sum(), tags,
				"Tasks run by the submitting thread under the caller-runs overflow policy");
		counter(registry, "sluice.pool.abandoned", executor, (e) -> e.abandoned.sum(), tags,
				"Accepted tasks dropped from the queue or interrupted at shutdown");
	}

	private static void gauge(MeterRegistry registry, String name, PoolExecutor executor,
			ToDoubleFunction<PoolExecutor> value, Tags tags, String unit, String description) {
		Gauge.builder(name, executor, value)
			.tags(tags)
			.description(description)
			.baseUnit(unit)
			.strongReference(true)
			.register(registry);
	}

	private static void counter(MeterRegistry registry, String name, PoolExecutor executor,
			ToDoubleFunction<PoolExecutor> value, Tags tags, String description) {
		FunctionCounter.builder(name, executor, value)
			.tags(tags)
			.description(description)
			.baseUnit("tasks")
			.register(registry);
	}

}
