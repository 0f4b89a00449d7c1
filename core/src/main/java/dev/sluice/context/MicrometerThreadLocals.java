package dev.sluice.context;

import java.util.List;
import java.util.StringJoiner;

import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ThreadLocalAccessor;
import org.jspecify.annotations.Nullable;

/**
 * Every {@code ThreadLocalAccessor} registered with a Micrometer Context Propagation
 * {@link ContextRegistry} (the global one in use: MDC through
 * {@code Slf4jThreadLocalAccessor} once the application registers one, Micrometer's
 * current observation, and whatever else the application or its libraries register). The
 * only class of Sluice, with its nested classes, that refers to
 * {@code io.micrometer.context}; it is loaded only when that library is present.
 *
 * <p>
 * It does what the library's {@code ContextSnapshotFactory} (with
 * {@code clearMissing(false)}, the library's and Spring's default) does with
 * {@code captureAll()} and {@code setThreadLocals()}, call for call on the accessors, but
 * keeps the values in an array indexed like the registry's accessors rather than in maps
 * keyed by the accessors' keys:
 * <ul>
 * <li>capture: {@code getValue()} of every accessor registered at that moment; an
 * accessor that returns {@code null} is not carried, and its thread-local is left alone
 * on the thread that runs the work;</li>
 * <li>set: for each carried value, in the registry's order, {@code getValue()} (what the
 * thread had) then {@code setValue(value)}; what the thread had is kept in an array made
 * only once one of those {@code getValue()} calls returns something, so that a thread
 * that had nothing (a pool's worker between tasks) costs no array;</li>
 * <li>put back: in the reverse order, {@code restore(previous)}, or {@code restore()}
 * where the thread had nothing, which removes the value. Micrometer's
 * {@code ObservationThreadLocalAccessor} closes the observation scope its
 * {@code setValue} opened there.</li>
 * </ul>
 * So a worker's thread-locals are the same before and after every task, and nothing
 * travels from one task to the next. The accessor list is read from the registry once and
 * kept; each capture checks, one reference per accessor, that the registry still lists
 * the same accessors in the same order, and reads it again if not, so an accessor
 * registered (or replaced, or removed) later is seen from the next capture on.
 *
 * <p>
 * Thread-safe; the cached list is replaced as a whole.
 */
final class MicrometerThreadLocals implements ThreadLocals {

	private static final ThreadLocalAccessor<?>[] NONE = {};

	/**
	 * What {@link #set} returns when the thread had nothing for any accessor it set, as a
	 * pool's worker between tasks: no array is made for it.
	 */
	private static final @Nullable Object[] NOTHING_BEFORE = {};

	private final ContextRegistry registry;

	/** The registry's accessors, in its order, as last read. */
	private volatile ThreadLocalAccessor<?>[] accessors = NONE;

	/** The accessors of the global registry, as they are at each capture. */
	MicrometerThreadLocals() {
		this(ContextRegistry.getInstance());
	}

	MicrometerThreadLocals(ContextRegistry registry) {
		this.registry = registry;
	}

	@Override
	public @Nullable Object capture() {
		ThreadLocalAccessor<?>[] accessors = accessors();
		@Nullable Object[] values = null;
		for (int i = 0; i < accessors.length; i++) {
			Object value = accessors[i].getValue();
			if (value != null) {
				if (values == null) {
					values = new Object[accessors.length];
				}
				values[i] = value;
			}
		}
		return (values != null) ? new Captured(accessors, values) : null;
	}

	/**
	 * The registry's accessors: the kept array while the registry lists the same ones in
	 * the same order, else a fresh copy of its list.
	 */
	private ThreadLocalAccessor<?>[] accessors() {
		List<ThreadLocalAccessor<?>> registered = this.registry.getThreadLocalAccessors();
		ThreadLocalAccessor<?>[] kept = this.accessors;
		if (same(registered, kept)) {
			return kept;
		}
		// the registry's list is copy-on-write: its array is one consistent state
		ThreadLocalAccessor<?>[] read = registered.toArray(NONE);
		this.accessors = read;
		return read;
	}

	private static boolean same(List<ThreadLocalAccessor<?>> registered, ThreadLocalAccessor<?>[] kept) {
		if (registered.size() != kept.length) {
			return false;
		}
		try {
			for (int i = 0; i < kept.length; i++) {
				if (registered.get(i) != kept[i]) {
					return false;
				}
			}
			return true;
		}
		catch (IndexOutOfBoundsException ex) {
			// removed from while being compared
			return false;
		}
	}

	@Override
	public Object set(Object captured) {
		Captured context = (Captured) captured;
		ThreadLocalAccessor<?>[] accessors = context.accessors;
		@Nullable Object[] values = context.values;
		// made at the first value the thread had: until then every previous value is null
		@Nullable Object[] previous = NOTHING_BEFORE;
		int i = 0;
		try {
			for (; i < accessors.length; i++) {
				Object value = values[i];
				if (value != null) {
					Object before = accessors[i].getValue();
					if (before != null) {
						if (previous == NOTHING_BEFORE) {
							previous = new Object[accessors.length];
						}
						previous[i] = before;
					}
					setValue(accessors[i], value);
				}
			}
		}
		catch (RuntimeException | Error ex) {
			// put back the values set before the one that failed; that one's accessor
			// failed midway, and is left as it left itself
			try {
				putBack(accessors, values, previous, i);
			}
			catch (RuntimeException | Error suppressed) {
				ex.addSuppressed(suppressed);
			}
			throw ex;
		}
		return previous;
	}

	@Override
	public void putBack(Object captured, Object previous) {
		Captured context = (Captured) captured;
		putBack(context.accessors, context.values, (@Nullable Object[]) previous, context.accessors.length);
	}

	/**
	 * Puts back what the thread had for the accessors before {@code end} that were set,
	 * in reverse order; goes on past a failure and throws the first one at the end.
	 */
	private static void putBack(ThreadLocalAccessor<?>[] accessors, @Nullable Object[] values,
			@Nullable Object[] previous, int end) {
		Throwable failure = null;
		for (int i = end - 1; i >= 0; i--) {
			if (values[i] == null) {
				continue;
			}
			try {
				Object value = (previous != NOTHING_BEFORE) ? previous[i] : null;
				if (value != null) {
					restore(accessors[i], value);
				}
				else {
					accessors[i].restore();
				}
			}
			catch (RuntimeException | Error ex) {
				if (failure == null) {
					failure = ex;
				}
				else {
					failure.addSuppressed(ex);
				}
			}
		}
		if (failure instanceof RuntimeException ex) {
			throw ex;
		}
		if (failure instanceof Error ex) {
			throw ex;
		}
	}

	/** The value came from this accessor's {@code getValue()}: it is of its type. */
	@SuppressWarnings("unchecked")
	private static <V> void setValue(ThreadLocalAccessor<V> accessor, Object value) {
		accessor.setValue((V) value);
	}

	/** The value came from this accessor's {@code getValue()}: it is of its type. */
	@SuppressWarnings("unchecked")
	private static <V> void restore(ThreadLocalAccessor<V> accessor, Object value) {
		accessor.restore((V) value);
	}

	/**
	 * What a capture found: the accessors as the registry listed them then, and the value
	 * of each, {@code null} for one that had none. Immutable once made.
	 */
	private static final class Captured {

		final ThreadLocalAccessor<?>[] accessors;

		final @Nullable Object[] values;

		Captured(ThreadLocalAccessor<?>[] accessors, @Nullable Object[] values) {
			this.accessors = accessors;
			this.values = values;
		}

		@Override
		public String toString() {
			StringJoiner joined = new StringJoiner(", ", "{", "}");
			for (int i = 0; i < this.accessors.length; i++) {
				if (this.values[i] != null) {
					joined.add(this.accessors[i].key() + "=" + this.values[i]);
				}
			}
			return joined.toString();
		}

	}

}
