package dev.sluice.benchmarks;

import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import dev.sluice.bulkhead.Bulkhead;
import dev.sluice.bulkhead.BulkheadConfig;
import dev.sluice.bulkhead.BulkheadMetrics;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Cost of taking and giving back one permit when one is always free: a Sluice
 * {@link Bulkhead} (with its Micrometer meters bound) against a {@link Semaphore} with
 * the same permits and the same fairness (unfair, Sluice's default).
 * <ul>
 * <li>{@code *_sluice_acquireClose}: {@code try (Bulkhead.Permit permit =
 * bulkhead.acquire()) {...}}, the usual way to hold a Sluice permit.</li>
 * <li>{@code *_semaphore_acquireRelease}: {@code semaphore.acquire(); try {...} finally {
 * semaphore.release(); }}. This and the one above are the pair the goal is about.</li>
 * <li>{@code *_sluice_run}: {@link Bulkhead#run(Runnable)}, which holds the permit around
 * a {@link Runnable} and needs no {@link Bulkhead.Permit} object.</li>
 * </ul>
 * The body is the same in all three: one value handed to a {@link Blackhole}. There are
 * {@value #PERMITS} permits, so no acquire ever waits; each iteration checks that every
 * permit came back.
 *
 * <p>
 * The bulkhead and the semaphore are shared by all the threads of a run
 * ({@link Scope#Benchmark}), so the {@code threads2_*} methods measure two threads
 * contending on one semaphore. The thread count is in each method's name, as JMH's table
 * does not show it.
 *
 * <p>
 * Goal: a Sluice acquire+release costs at most 20% more than the semaphore's, with
 * metrics on.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class BulkheadBenchmark {

	/** Permits of both sides: far more than there are threads, so nothing ever waits. */
	static final int PERMITS = 1000;

	private Bulkhead bulkhead;

	private SimpleMeterRegistry registry;

	private Semaphore semaphore;

	/** Not final, so the JIT cannot fold the body's value into a constant. */
	private int input = 42;

	@Setup(Level.Trial)
	public void setUp() {
		this.bulkhead = Bulkhead.create("bench", BulkheadConfig.ofPermits(PERMITS));
		this.registry = new SimpleMeterRegistry();
		new BulkheadMetrics(List.of(this.bulkhead), Tags.empty()).bindTo(this.registry);
		if (this.registry.getMeters().isEmpty()) {
			throw new IllegalStateException("No bulkhead meters were bound");
		}
		this.semaphore = new Semaphore(PERMITS, this.bulkhead.config().fair());
	}

	/** Fails the run if a permit went missing or anything had to wait. */
	@TearDown(Level.Iteration)
	public void checkAllReturned() {
		int bulkheadFree = this.bulkhead.stats().available();
		int semaphoreFree = this.semaphore.availablePermits();
		if (bulkheadFree != PERMITS || semaphoreFree != PERMITS) {
			throw new IllegalStateException("Permits went missing: bulkhead has " + bulkheadFree + ", semaphore has "
					+ semaphoreFree + " of " + PERMITS + " free");
		}
		if (this.bulkhead.stats().waited() > 0) {
			throw new IllegalStateException("An acquire had to wait; the bulkhead must never be full");
		}
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		this.registry.close();
	}

	/**
	 * Each thread's body for {@link Bulkhead#run(Runnable)}, built once so no call
	 * allocates a lambda.
	 */
	@State(Scope.Thread)
	public static class Body {

		/**
		 * The same value as the benchmark's own; not final, so the JIT cannot fold it.
		 */
		private int input = 42;

		Runnable runnable;

		@Setup(Level.Trial)
		public void setUp(Blackhole blackhole) {
			this.runnable = () -> blackhole.consume(this.input);
		}

	}

	// one thread

	@Benchmark
	@Threads(1)
	@SuppressWarnings("try") // the permit is held, not used
	public void threads1_sluice_acquireClose(Blackhole blackhole) throws InterruptedException {
		try (Bulkhead.Permit permit = this.bulkhead.acquire()) {
			blackhole.consume(this.input);
		}
	}

	@Benchmark
	@Threads(1)
	public void threads1_semaphore_acquireRelease(Blackhole blackhole) throws InterruptedException {
		this.semaphore.acquire();
		try {
			blackhole.consume(this.input);
		}
		finally {
			this.semaphore.release();
		}
	}

	@Benchmark
	@Threads(1)
	public void threads1_sluice_run(Body body) throws InterruptedException {
		this.bulkhead.run(body.runnable);
	}

	// two threads on the same bulkhead / semaphore

	@Benchmark
	@Threads(2)
	@SuppressWarnings("try") // the permit is held, not used
	public void threads2_sluice_acquireClose(Blackhole blackhole) throws InterruptedException {
		try (Bulkhead.Permit permit = this.bulkhead.acquire()) {
			blackhole.consume(this.input);
		}
	}

	@Benchmark
	@Threads(2)
	public void threads2_semaphore_acquireRelease(Blackhole blackhole) throws InterruptedException {
		this.semaphore.acquire();
		try {
			blackhole.consume(this.input);
		}
		finally {
			this.semaphore.release();
		}
	}

	@Benchmark
	@Threads(2)
	public void threads2_sluice_run(Body body) throws InterruptedException {
		this.bulkhead.run(body.runnable);
	}

}
