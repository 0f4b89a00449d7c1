package dev.sluice.context;

import java.util.Objects;

import dev.sluice.internal.CurrentDeadline;
import dev.sluice.timeout.Deadline;
import org.jspecify.annotations.Nullable;

/**
 * The context of the thread that hands work over, captured so that the thread that runs
 * the work can run it in that context: what Sluice carries across every hand-off (pool
 * tasks, {@code map} helpers, task group forks, pipeline stages, event delivery), as Go
 * passes a {@code context.Context}.
 *
 * <p>
 * What is captured:
 * <ul>
 * <li>the {@link Deadline} set by {@link dev.sluice.timeout.Timeout#call}, always: the
 * work's own waits (pool submissions, bulkhead and rate-limiter acquires, channel
 * operations, task group joins) are then capped by the same point in time. Where the
 * running thread has a deadline of its own (a task run by its submitter under
 * caller-runs, or by a helping join), the earlier of the two applies. The work is not
 * interrupted when the deadline passes; only the thread of the {@code Timeout.call}
 * is.</li>
 * <li>with Micrometer Context Propagation ({@code io.micrometer:context-propagation}) on
 * the class path, the value of every {@code ThreadLocalAccessor} registered with its
 * global {@code ContextRegistry}: the current Micrometer observation (and so the trace),
 * the MDC once the application registers {@code Slf4jThreadLocalAccessor}, Spring
 * Security's holder if the application registers an accessor for it. Without the library
 * nothing of it is loaded, and only the deadline travels.</li>
 * </ul>
 *
 * <p>
 * {@link #restore()} sets the captured values on the calling thread and returns a
 * {@link Scope} whose {@link Scope#close()} puts back what the thread had before, so that
 * nothing of one piece of work stays behind on a reused thread for the next.
 *
 * <p>
 * Immutable and safe to share between threads; a {@link Scope} belongs to the thread that
 * opened it, which must close it, once, in nested order.
 */
public final class CapturedContext {

	private static final @Nullable ThreadLocals LIBRARY = library();

	private static final CapturedContext EMPTY = new CapturedContext(null, null);

	private static final Scope NOTHING = () -> {
	};

	private final @Nullable Deadline deadline;

	private final @Nullable Object values;

	private CapturedContext(@Nullable Deadline deadline, @Nullable Object values) {
		this.deadline = deadline;
		this.values = values;
	}

	/**
	 * Only when Micrometer Context Propagation is on the class path is its adapter
	 * loaded.
	 */
	private static @Nullable ThreadLocals library() {
		try {
			Class.forName("io.micrometer.context.ContextRegistry", false, CapturedContext.class.getClassLoader());
		}
		catch (ClassNotFoundException | LinkageError ex) {
			return null;
		}
		return new MicrometerThreadLocals();
	}

	/**
	 * Whether Micrometer Context Propagation is on the class path, so that registered
	 * thread-local accessors travel too; without it only the deadline does.
	 */
	public static boolean libraryPresent() {
		return LIBRARY != null;
	}

	/**
	 * Captures the calling thread's context.
	 * @return the context; {@link #isEmpty() empty} (one shared instance) when the thread
	 * has nothing to carry
	 */
	public static CapturedContext capture() {
		Deadline deadline = CurrentDeadline.get();
		Object values = (LIBRARY != null) ? LIBRARY.capture() : null;
		return (deadline == null && values == null) ? EMPTY : new CapturedContext(deadline, values);
	}

	/**
	 * The task, made to run in the context of the thread calling this method: captured
	 * now, restored around each run, and taken away again after it.
	 */
	public static Runnable wrap(Runnable task) {
		Objects.requireNonNull(task, "task");
		CapturedContext context = capture();
		if (context.isEmpty()) {
			return task;
		}
		return () -> {
			try (Scope scope = context.restore()) {
				task.run();
			}
		};
	}

	/** Whether there is nothing to carry: no deadline and no thread-local values. */
	public boolean isEmpty() {
		return this.deadline == null && this.values == null;
	}

	/** The deadline captured, if any. */
	public @Nullable Deadline deadline() {
		return this.deadline;
	}

	/**
	 * Sets this context on the calling thread until the returned scope is closed, which
	 * puts back what the thread had before.
	 */
	public Scope restore() {
		if (isEmpty()) {
			return NOTHING;
		}
		Deadline previous = null;
		if (this.deadline != null) {
			previous = CurrentDeadline.get();
			CurrentDeadline.set(CurrentDeadline.earlier(this.deadline, previous));
		}
		Object replaced = null;
		if (this.values != null) {
			try {
				replaced = Objects.requireNonNull(LIBRARY).set(this.values);
			}
			catch (RuntimeException | Error ex) {
				if (this.deadline != null) {
					CurrentDeadline.set(previous);
				}
				throw ex;
			}
		}
		return new Restoring(this, previous, replaced);
	}

	@Override
	public String toString() {
		return "CapturedContext[deadline=" + this.deadline + ", values=" + this.values + "]";
	}

	/**
	 * A context set on a thread; closing it puts back what was there. Closed once, by the
	 * thread that opened it.
	 */
	@FunctionalInterface
	public interface Scope extends AutoCloseable {

		@Override
		void close();

	}

	/**
	 * What a restore replaced, put back on close: the library's values first, then the
	 * deadline if the context had one.
	 */
	private static final class Restoring implements Scope {

		private final CapturedContext context;

		private final @Nullable Deadline previous;

		private final @Nullable Object replaced;

		Restoring(CapturedContext context, @Nullable Deadline previous, @Nullable Object replaced) {
			this.context = context;
			this.previous = previous;
			this.replaced = replaced;
		}

		@Override
		public void close() {
			try {
				if (this.context.values != null && this.replaced != null) {
					Objects.requireNonNull(LIBRARY).putBack(this.context.values, this.replaced);
				}
			}
			finally {
				if (this.context.deadline != null) {
					CurrentDeadline.set(this.previous);
				}
			}
		}

	}

}
