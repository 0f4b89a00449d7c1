package dev.sluice.benchmarks;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.sluice.context.CapturedContext;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import io.micrometer.context.integration.Slf4jThreadLocalAccessor;
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
import org.openjdk.jmh.infra.Blackhole;
import org.slf4j.MDC;

/**
 * One capture and restore of the context (and taking it away again) on one thread,
 * Sluice's {@link CapturedContext} next to Micrometer Context Propagation's own
 * {@link ContextSnapshotFactory} ({@code captureAll()} then {@code setThreadLocals()}),
 * over the same accessors of the global {@link ContextRegistry}, in the same run, and
 * next to the least any propagation must do through the values' own API ({@code byHand}).
 * Two values travel, through one of:
 * <ul>
 * <li>{@code mdc}: two MDC entries (Logback) carried by one
 * {@link Slf4jThreadLocalAccessor} for their two keys, as an application registers it;
 * the accessor copies the two entries into a new map at every capture and again, on the
 * running thread, before it sets them (its {@code getValue()} is never {@code null}: a
 * missing key is a {@code null} entry);</li>
 * <li>{@code mdcAll}: the same two entries carried by an {@link Slf4jThreadLocalAccessor}
 * without keys, which carries the whole MDC: {@code getCopyOfContextMap()} to capture,
 * {@code setContextMap} to set (Logback copies the map again) and {@code clear()} where
 * the running thread had no MDC;</li>
 * <li>{@code threadLocal}: two plain {@link ThreadLocal}s, each registered with
 * {@code registerThreadLocalAccessor(key, threadLocal)}: what the snapshot itself costs
 * when the accessors cost next to nothing.</li>
 * </ul>
 * Micrometer's {@code ObservationThreadLocalAccessor}, which the registry finds on the
 * class path, is there too (with no current observation, so it carries nothing), as in an
 * application. Each benchmark checks that the restored thread sees the values.
 *
 * <p>
 * {@code sluice}, {@code micrometer} and {@code byHand} capture and restore on the same
 * thread, so the thread that runs the work already holds the submitter's values. A
 * hand-off is split in two rows as it happens between two threads: {@code ...Capture} on
 * a thread that holds the values and has not changed them since its last capture, and
 * {@code ...OnWorker} (restore a context captured beforehand, see the values, take them
 * away) on a thread that holds nothing, as a pool's worker between tasks.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ContextCaptureBenchmark {

	static final String REQUEST_ID = "requestId";

	static final String USER = "user";

	static final ThreadLocal<String> FIRST = new ThreadLocal<>();

	static final ThreadLocal<String> SECOND = new ThreadLocal<>();

	/**
	 * What carries the two values: the MDC (for their two keys, or all of it) or two
	 * plain thread-locals.
	 */
	@Param({ "mdc", "mdcAll", "threadLocal" })
	public String accessor;

	private final ContextSnapshotFactory factory = ContextSnapshotFactory.builder().build();

	private boolean mdc;

	@Setup(Level.Trial)
	public void register() {
		ContextRegistry registry = ContextRegistry.getInstance();
		this.mdc = this.accessor.startsWith("mdc");
		if (this.accessor.equals("mdc")) {
			registry.registerThreadLocalAccessor(new Slf4jThreadLocalAccessor(REQUEST_ID, USER));
		}
		else if (this.mdc) {
			registry.registerThreadLocalAccessor(new Slf4jThreadLocalAccessor());
		}
		else {
			registry.registerThreadLocalAccessor("bench.first", FIRST);
			registry.registerThreadLocalAccessor("bench.second", SECOND);
		}
	}

	@Setup(Level.Iteration)
	public void putValues() {
		MDC.put(REQUEST_ID, "4bf92f3577b34da6a3ce929d0e0e4736");
		MDC.put(USER, "ann@example.com");
		FIRST.set("4bf92f3577b34da6a3ce929d0e0e4736");
		SECOND.set("ann@example.com");
	}

	@TearDown(Level.Iteration)
	public void clearValues() {
		MDC.clear();
		FIRST.remove();
		SECOND.remove();
	}

	@Benchmark
	public boolean sluice() {
		CapturedContext context = CapturedContext.capture();
		try (CapturedContext.Scope scope = context.restore()) {
			return seen();
		}
	}

	@Benchmark
	public boolean micrometer() {
		ContextSnapshot snapshot = this.factory.captureAll();
		try (ContextSnapshot.Scope scope = snapshot.setThreadLocals()) {
			return seen();
		}
	}

	/**
	 * The floor: what any propagation of these two values must call through their own
	 * API, with nothing around it. For the MDC, {@code getCopyOfContextMap()} to capture,
	 * and on a worker that has no MDC of its own {@code setContextMap} then
	 * {@code clear()} when the work ends; for the thread-locals, {@code get}, then
	 * {@code set} and {@code remove}. On one thread the taking away comes first, so that
	 * each call finds the thread as it would on a worker (set on an empty MDC, cleared
	 * when full) and the thread ends holding the submitter's values, as it began. One
	 * difference remains: Logback keeps a read-only copy of a thread's MDC, made again at
	 * the first {@code getCopyOfContextMap()} after a change, and here every capture
	 * follows a {@code setContextMap}; {@code byHandCapture} and {@code byHandOnWorker}
	 * give the hand-off without it.
	 */
	@Benchmark
	public boolean byHand() {
		if (this.mdc) {
			Map<String, String> captured = MDC.getCopyOfContextMap();
			MDC.clear();
			MDC.setContextMap(captured);
			return seen();
		}
		String first = FIRST.get();
		String second = SECOND.get();
		FIRST.remove();
		SECOND.remove();
		FIRST.set(first);
		SECOND.set(second);
		return seen();
	}

	/** Sluice's capture alone, on the submitting thread. */
	@Benchmark
	public CapturedContext sluiceCapture() {
		return CapturedContext.capture();
	}

	/**
	 * Sluice's restore of a context captured beforehand, and its taking away, on a thread
	 * that has none of the values.
	 */
	@Benchmark
	public boolean sluiceOnWorker(Worker worker) {
		try (CapturedContext.Scope scope = worker.context.restore()) {
			return seen();
		}
	}

	/** The floor's capture alone: {@code getCopyOfContextMap()}, or the two reads. */
	@Benchmark
	public void byHandCapture(Blackhole blackhole) {
		if (this.mdc) {
			blackhole.consume(MDC.getCopyOfContextMap());
			return;
		}
		blackhole.consume(FIRST.get());
		blackhole.consume(SECOND.get());
	}

	/**
	 * The floor on the worker: {@code setContextMap} then {@code clear()}, or the two
	 * sets and removes, on a thread that has none of the values.
	 */
	@Benchmark
	public boolean byHandOnWorker(Worker worker) {
		if (this.mdc) {
			MDC.setContextMap(worker.map);
			try {
				return seen();
			}
			finally {
				MDC.clear();
			}
		}
		FIRST.set(worker.first);
		SECOND.set(worker.second);
		try {
			return seen();
		}
		finally {
			FIRST.remove();
			SECOND.remove();
		}
	}

	private boolean seen() {
		boolean seen = this.mdc ? MDC.get(REQUEST_ID) != null : FIRST.get() != null;
		if (!seen) {
			throw new IllegalStateException("the restored context lacks the values");
		}
		return seen;
	}

	/**
	 * A worker between tasks: what the submitter's thread held, captured once, and a
	 * thread that holds none of it (set up after the benchmark's values, then taken
	 * away).
	 */
	@State(Scope.Thread)
	public static class Worker {

		CapturedContext context;

		Map<String, String> map;

		String first;

		String second;

		@Setup(Level.Iteration)
		public void capture(ContextCaptureBenchmark benchmark) {
			this.context = CapturedContext.capture();
			this.map = MDC.getCopyOfContextMap();
			this.first = FIRST.get();
			this.second = SECOND.get();
			MDC.clear();
			FIRST.remove();
			SECOND.remove();
		}

	}

}
