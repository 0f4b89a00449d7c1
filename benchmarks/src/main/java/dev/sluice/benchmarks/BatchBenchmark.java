package dev.sluice.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import dev.sluice.pool.PoolConfig;
import dev.sluice.pool.WorkerPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Applying a tiny function ({@code i -> i * 31 + 7}) to {@value #ITEMS} integers, three
 * ways:
 * <ul>
 * <li>{@code sluicePool_map}: {@link WorkerPool#map}, which hands items out in a few
 * contiguous chunks and lets the caller take part;</li>
 * <li>{@code threadPoolExecutor_invokeAll}: {@link ExecutorService#invokeAll} with one
 * {@link Callable} per item, the usual way to do this with a plain executor;</li>
 * <li>{@code parallelStream_map}: {@code items.parallelStream().map(fn).toList()} on the
 * common fork-join pool, as a well-known reference point.</li>
 * </ul>
 * Both pools have {@value #WORKERS} workers. The Sluice pool has its default bounded
 * queue (map only queues one helper per worker). The {@link ThreadPoolExecutor} has an
 * unbounded {@link LinkedBlockingQueue}, as {@code Executors.newFixedThreadPool} does,
 * because invokeAll must be able to queue all {@value #ITEMS} tasks at once. The parallel
 * stream uses the common pool, whose parallelism on a 2-core machine is 1 plus the
 * calling thread.
 *
 * <p>
 * Goal: the Sluice batch helper is at least 3x faster than invokeAll on {@value #ITEMS}
 * tiny items.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class BatchBenchmark {

	/** Items per batch. */
	static final int ITEMS = 100_000;

	/** Workers of both pools: the benchmark machine has 2 cores. */
	static final int WORKERS = 2;

	private static final Function<Integer, Integer> FUNCTION = (i) -> i * 31 + 7;

	private List<Integer> items;

	private List<Callable<Integer>> callables;

	private WorkerPool sluicePool;

	private ThreadPoolExecutor threadPoolExecutor;

	@Setup(Level.Trial)
	public void setUp() {
		this.items = new ArrayList<>(ITEMS);
		for (int i = 0; i < ITEMS; i++) {
			this.items.add(i);
		}
		// Built once, so the invokeAll side is not charged for creating its callables.
		this.callables = new ArrayList<>(ITEMS);
		for (Integer item : this.items) {
			this.callables.add(() -> FUNCTION.apply(item));
		}
		this.sluicePool = WorkerPool.create("bench", PoolConfig.defaults().withWorkers(WORKERS));
		this.threadPoolExecutor = new ThreadPoolExecutor(WORKERS, WORKERS, 0L, TimeUnit.MILLISECONDS,
				new LinkedBlockingQueue<>());
	}

	@TearDown(Level.Trial)
	public void tearDown() throws InterruptedException {
		this.sluicePool.close();
		this.threadPoolExecutor.shutdown();
		if (!this.threadPoolExecutor.awaitTermination(10, TimeUnit.SECONDS)) {
			throw new IllegalStateException("ThreadPoolExecutor did not terminate");
		}
	}

	@Benchmark
	public List<Integer> sluicePool_map() throws InterruptedException {
		return this.sluicePool.map(this.items, FUNCTION);
	}

	/**
	 * Collects the results into a list, so that it delivers the same thing as the other
	 * two.
	 */
	@Benchmark
	public List<Integer> threadPoolExecutor_invokeAll() throws InterruptedException, ExecutionException {
		List<Future<Integer>> futures = this.threadPoolExecutor.invokeAll(this.callables);
		List<Integer> results = new ArrayList<>(futures.size());
		for (Future<Integer> future : futures) {
			results.add(future.get());
		}
		return results;
	}

	@Benchmark
	public List<Integer> parallelStream_map() {
		return this.items.parallelStream().map(FUNCTION).toList();
	}

}
