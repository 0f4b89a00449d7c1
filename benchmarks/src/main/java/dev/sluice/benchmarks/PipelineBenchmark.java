package dev.sluice.benchmarks;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntPredicate;
import java.util.function.IntUnaryOperator;
import java.util.stream.IntStream;

import dev.sluice.pipeline.Pipeline;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A 3-stage pipeline (map → filter → map) over 1,000,000 small items, the first stage
 * with {@code workers} workers and the others with one, run three ways in one JMH run: a
 * Sluice {@link Pipeline}; Reactor with {@code publishOn} between stages (and
 * {@code parallel().runOn} for the first stage when it has two workers); and the same
 * pipeline hand-rolled on {@link ArrayBlockingQueue}s, one item per hand-off. Each
 * returns the sum of what comes out, so the three can be checked against each other.
 * Goal: Sluice at least Reactor's throughput.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class PipelineBenchmark {

	static final int ITEMS = 1_000_000;

	/** Buffer between stages, for all three. */
	static final int BUFFER = 1024;

	static final IntUnaryOperator FIRST = (i) -> i * 31 + 7;

	static final IntPredicate KEEP = (i) -> (i & 3) != 0;

	static final IntUnaryOperator LAST = (i) -> i ^ (i >>> 7);

	/** Workers of the first stage. */
	@Param({ "1", "2" })
	public int workers;

	private List<Integer> items;

	private Scheduler parallel;

	private Scheduler stage2;

	private Scheduler stage3;

	@Setup(Level.Trial)
	public void setUp() {
		this.items = IntStream.range(0, ITEMS).boxed().toList();
		this.parallel = Schedulers.newParallel("bench-stage1", this.workers);
		this.stage2 = Schedulers.newSingle("bench-stage2");
		this.stage3 = Schedulers.newSingle("bench-stage3");
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		this.parallel.dispose();
		this.stage2.dispose();
		this.stage3.dispose();
	}

	@Benchmark
	public long sluicePipeline() throws InterruptedException {
		LongAdder sum = new LongAdder();
		Pipeline.from(this.items)
			.buffer(BUFFER)
			.map("first", this.workers, (Integer i) -> FIRST.applyAsInt(i))
			.filter("keep", 1, (Integer i) -> KEEP.test(i))
			.map("last", 1, (Integer i) -> LAST.applyAsInt(i))
			.forEach(sum::add);
		return sum.sum();
	}

	@Benchmark
	public long reactor() {
		Flux<Integer> first;
		if (this.workers == 1) {
			first = Flux.fromIterable(this.items).publishOn(this.parallel, BUFFER).map(FIRST::applyAsInt);
		}
		else {
			first = Flux.fromIterable(this.items)
				.parallel(this.workers)
				.runOn(this.parallel, BUFFER)
				.map(FIRST::applyAsInt)
				.sequential();
		}
		Long sum = first.publishOn(this.stage2, BUFFER)
			.filter(KEEP::test)
			.publishOn(this.stage3, BUFFER)
			.map(LAST::applyAsInt)
			.reduce(0L, (total, i) -> total + i)
			.block();
		return sum;
	}

	@Benchmark
	public long handRolledQueues() throws InterruptedException {
		BlockingQueue<Integer> q1 = new ArrayBlockingQueue<>(BUFFER);
		BlockingQueue<Integer> q2 = new ArrayBlockingQueue<>(BUFFER);
		BlockingQueue<Integer> q3 = new ArrayBlockingQueue<>(BUFFER);
		BlockingQueue<Integer> q4 = new ArrayBlockingQueue<>(BUFFER);
		Integer end = Integer.valueOf(Integer.MIN_VALUE + 1);
		Thread source = new Thread(() -> {
			try {
				for (Integer item : this.items) {
					q1.put(item);
				}
				for (int w = 0; w < this.workers; w++) {
					q1.put(end);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		AtomicInteger firstWorkers = new AtomicInteger(this.workers);
		Thread[] first = new Thread[this.workers];
		for (int w = 0; w < this.workers; w++) {
			first[w] = new Thread(() -> {
				try {
					Integer item;
					while ((item = q1.take()) != end) {
						q2.put(FIRST.applyAsInt(item));
					}
					if (firstWorkers.decrementAndGet() == 0) {
						q2.put(end);
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			});
		}
		Thread filter = new Thread(() -> {
			try {
				Integer item;
				while ((item = q2.take()) != end) {
					if (KEEP.test(item)) {
						q3.put(item);
					}
				}
				q3.put(end);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		Thread last = new Thread(() -> {
			try {
				Integer item;
				while ((item = q3.take()) != end) {
					q4.put(LAST.applyAsInt(item));
				}
				q4.put(end);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		source.start();
		for (Thread thread : first) {
			thread.start();
		}
		filter.start();
		last.start();
		long sum = 0;
		Integer item;
		while ((item = q4.take()) != end) {
			sum += item;
		}
		source.join();
		for (Thread thread : first) {
			thread.join();
		}
		filter.join();
		last.join();
		return sum;
	}

}
