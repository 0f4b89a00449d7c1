package dev.sluice.benchmarks;

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
import org.slf4j.MDC;

/**
 * One capture and restore of the context (and taking it away again) on one thread,
 * Sluice's {@link CapturedContext} next to Micrometer Context Propagation's own
 * {@link ContextSnapshotFactory} ({@code captureAll()} then {@code setThreadLocals()}),
 * over the same accessors of the global {@link ContextRegistry}, in the same run. Two
 * values travel, through one of:
 * <ul>
 * <li>{@code mdc}: two MDC entries (Logback) carried by one
 * {@link Slf4jThreadLocalAccessor} for their two keys, as an application registers it;
 * the accessor copies the two entries into a new map at every capture and again, on the
 * running thread, before it sets them;</li>
 * <li>{@code threadLocal}: two plain {@link ThreadLocal}s, each registered with
 * {@code registerThreadLocalAccessor(key, threadLocal)}: what the snapshot itself costs
 * when the accessors cost next to nothing.</li>
 * </ul>
 * Micrometer's {@code ObservationThreadLocalAccessor}, which the registry finds on the
 * class path, is there too (with no current observation, so it carries nothing), as in an
 * application. Each benchmark checks that the restored thread sees the values.
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

	/** What carries the two values: the MDC or two plain thread-locals. */
	@Param({ "mdc", "threadLocal" })
	public String accessor;

	private final ContextSnapshotFactory factory = ContextSnapshotFactory.builder().build();

	private boolean mdc;

	@Setup(Level.Trial)
	public void register() {
		ContextRegistry registry = ContextRegistry.getInstance();
		this.mdc = this.accessor.equals("mdc");
		if (this.mdc) {
			registry.registerThreadLocalAccessor(new Slf4jThreadLocalAccessor(REQUEST_ID, USER));
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

	private boolean seen() {
		boolean seen = this.mdc ? MDC.get(REQUEST_ID) != null : FIRST.get() != null;
		if (!seen) {
			throw new IllegalStateException("the restored context lacks the values");
		}
		return seen;
	}

}
