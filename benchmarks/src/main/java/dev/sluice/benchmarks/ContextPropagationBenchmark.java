package dev.sluice.benchmarks;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.sluice.context.CapturedContext;
import dev.sluice.eventbus.BufferOverflow;
import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.EventTransport;
import dev.sluice.eventbus.SubscriberOptions;
import dev.sluice.pool.PoolConfig;
import dev.sluice.pool.WorkerPool;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.integration.Slf4jThreadLocalAccessor;
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
import org.slf4j.MDC;

/**
 * What carrying the context costs per hand-off: the pool's submit-and-wait and burst (as
 * in {@link PoolSubmitBenchmark}) and the event bus 1 → 1 (as in
 * {@link EventBusBenchmark}), with Micrometer Context Propagation on the class path and
 * the submitting thread's MDC holding two entries that an
 * {@link Slf4jThreadLocalAccessor} carries, side by side in one run:
 * <ul>
 * <li>{@code propagate=false}: the pool and the bus do not propagate (nothing is
 * captured, stored or restored), the MDC is the same;</li>
 * <li>{@code propagate=true}: every task and every event captures the two entries on the
 * submitting thread and restores them (and takes them away again) on the worker or
 * dispatcher; the task checks it sees them.</li>
 * </ul>
 * The difference between the two scores is the cost of one hand-off's context. Goal:
 * under 100 ns per hand-off with two MDC entries.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ContextPropagationBenchmark {

	static final int BURST = 100;

	static final int EVENTS = 10_000;

	static final String TOPIC = "ctx";

	/** Whether the pool and the bus carry the submitter's context. */
	@Param({ "false", "true" })
	public boolean propagate;

	private WorkerPool pool;

	private EventBus bus;

	private final AtomicLong received = new AtomicLong();

	/**
	 * Events the handler got without the publisher's MDC while propagating: must stay 0.
	 */
	private final AtomicLong missed = new AtomicLong();

	private volatile CountDownLatch delivered;

	private final Integer[] events = new Integer[EVENTS];

	/** The tiny task: a multiply-add and, when propagating, a look at the MDC. */
	private Callable<Integer> task;

	private int input = 42;

	@Setup(Level.Trial)
	public void setUp() {
		ContextRegistry.getInstance()
			.registerThreadLocalAccessor(new Slf4jThreadLocalAccessor(Submitter.REQUEST_ID, Submitter.USER));
		if (!CapturedContext.libraryPresent()) {
			throw new IllegalStateException("Micrometer Context Propagation is not on the class path");
		}
		boolean propagate = this.propagate;
		this.task = () -> {
			if (propagate && MDC.get(Submitter.REQUEST_ID) == null) {
				throw new IllegalStateException("the task did not see the submitter's MDC");
			}
			return this.input * 31 + 7;
		};
		this.pool = WorkerPool.create("ctx-bench",
				PoolConfig.defaults().withWorkers(2).withQueueCapacity(1000).withPropagateContext(propagate));
		this.bus = EventBus.create("ctx-bench", 2, EventTransport.inMemory(), propagate);
		this.bus.subscribe(TOPIC, Integer.class, (event) -> {
			if (propagate && MDC.get(Submitter.REQUEST_ID) == null) {
				this.missed.incrementAndGet();
			}
			if (this.received.incrementAndGet() == EVENTS) {
				this.delivered.countDown();
			}
		}, SubscriberOptions.named("one").withBuffer(1024).withOverflow(BufferOverflow.BLOCK));
		for (int i = 0; i < EVENTS; i++) {
			this.events[i] = i;
		}
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		this.pool.close();
		this.bus.close();
		if (this.missed.get() != 0) {
			throw new IllegalStateException(this.missed.get() + " events arrived without the publisher's MDC");
		}
	}

	@Benchmark
	public Integer pool_submitAndWait(Submitter submitter) {
		return this.pool.submit(this.task).join();
	}

	@Benchmark
	@OperationsPerInvocation(BURST)
	public long pool_burst(Submitter submitter) {
		@SuppressWarnings("unchecked")
		CompletableFuture<Integer>[] futures = new CompletableFuture[BURST];
		for (int i = 0; i < BURST; i++) {
			futures[i] = this.pool.submit(this.task);
		}
		long sum = 0;
		for (CompletableFuture<Integer> future : futures) {
			sum += future.join();
		}
		return sum;
	}

	@Benchmark
	@OperationsPerInvocation(EVENTS)
	public long eventBus_oneToOne(Submitter submitter) throws InterruptedException {
		this.received.set(0);
		this.delivered = new CountDownLatch(1);
		for (Integer event : this.events) {
			this.bus.publish(TOPIC, event);
		}
		if (!this.delivered.await(60, TimeUnit.SECONDS)) {
			throw new IllegalStateException("only " + this.received.get() + " of " + EVENTS + " events arrived");
		}
		return this.received.get();
	}

	/**
	 * The context part of one hand-off without the hand-off: capture on this thread, then
	 * restore and take away again (on this same thread, so no scheduling noise). With
	 * {@code propagate=false} the pool captures nothing: the score is the loop's own.
	 */
	@Benchmark
	public int captureAndRestore(Submitter submitter) {
		if (!this.propagate) {
			return this.input;
		}
		CapturedContext context = CapturedContext.capture();
		try (CapturedContext.Scope scope = context.restore()) {
			return this.input + ((MDC.get(Submitter.REQUEST_ID) != null) ? 1 : 0);
		}
	}

	/** The benchmark thread, with two MDC entries, as a request's thread would have. */
	@State(Scope.Thread)
	public static class Submitter {

		static final String REQUEST_ID = "requestId";

		static final String USER = "user";

		@Setup(Level.Iteration)
		public void putMdc() {
			MDC.put(REQUEST_ID, "4bf92f3577b34da6a3ce929d0e0e4736");
			MDC.put(USER, "ann@example.com");
		}

		@TearDown(Level.Iteration)
		public void clearMdc() {
			MDC.clear();
		}

	}

}
