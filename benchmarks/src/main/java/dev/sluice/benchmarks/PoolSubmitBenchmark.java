package dev.sluice.benchmarks;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import dev.sluice.pool.PoolConfig;
import dev.sluice.pool.WorkerPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-task overhead of a Sluice {@link WorkerPool} against a raw
 * {@link ThreadPoolExecutor} of the same shape: {@code workers} fixed threads in front of
 * an {@link ArrayBlockingQueue} of {@code queueCapacity}.
 *
 * <p>
 * The task is tiny on purpose, so the score is the cost of the submit/hand-off/complete
 * path rather than of the work. Two shapes are measured for each side:
 * <ul>
 * <li>{@code *_submitAndWait}: submit one task and block on its result, the round-trip
 * latency of a single hand-off to a worker.</li>
 * <li>{@code *_burst}: submit {@value #BURST} tasks, then wait for all of them, the
 * throughput of the queue path. Scored per task ({@link OperationsPerInvocation}), so
 * both shapes read in the same unit.</li>
 * </ul>
 * Goal: the Sluice pool costs at most 10% more per tiny task than the raw executor.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PoolSubmitBenchmark {

	/**
	 * Tasks per burst; well below {@code queueCapacity}, so neither side ever hits its
	 * overflow path.
	 */
	static final int BURST = 100;

	/** Number of worker threads of both pools. */
	@Param({ "2" })
	public int workers;

	/** Capacity of the bounded queue of both pools (Sluice's default is 1000). */
	@Param({ "1000" })
	public int queueCapacity;

	private WorkerPool sluicePool;

	private ThreadPoolExecutor threadPoolExecutor;

	/** Not final, so the JIT cannot fold the task's result into a constant. */
	private int input = 42;

	/** The tiny task both pools run: one multiply-add on a field. */
	private final Callable<Integer> task = () -> this.input * 31 + 7;

	@Setup(Level.Trial)
	public void setUp() {
		this.sluicePool = WorkerPool.create("bench",
				PoolConfig.defaults().withWorkers(this.workers).withQueueCapacity(this.queueCapacity));
		this.threadPoolExecutor = new ThreadPoolExecutor(this.workers, this.workers, 0L, TimeUnit.MILLISECONDS,
				new ArrayBlockingQueue<>(this.queueCapacity));
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
	public Integer sluicePool_submitAndWait() {
		return this.sluicePool.submit(this.task).join();
	}

	@Benchmark
	public Integer threadPoolExecutor_submitAndWait() throws InterruptedException, ExecutionException {
		return this.threadPoolExecutor.submit(this.task).get();
	}

	@Benchmark
	@OperationsPerInvocation(BURST)
	public long sluicePool_burst() {
		@SuppressWarnings("unchecked")
		CompletableFuture<Integer>[] futures = new CompletableFuture[BURST];
		for (int i = 0; i < BURST; i++) {
			futures[i] = this.sluicePool.submit(this.task);
		}
		long sum = 0;
		for (CompletableFuture<Integer> future : futures) {
			sum += future.join();
		}
		return sum;
	}

	@Benchmark
	@OperationsPerInvocation(BURST)
	public long threadPoolExecutor_burst() throws InterruptedException, ExecutionException {
		@SuppressWarnings("unchecked")
		Future<Integer>[] futures = new Future[BURST];
		for (int i = 0; i < BURST; i++) {
			futures[i] = this.threadPoolExecutor.submit(this.task);
		}
		long sum = 0;
		for (Future<Integer> future : futures) {
			sum += future.get();
		}
		return sum;
	}

}
