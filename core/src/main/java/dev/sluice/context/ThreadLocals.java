package dev.sluice.context;

import org.jspecify.annotations.Nullable;

/**
 * The thread-local values of a context library, captured on one thread and restored on
 * another. The one implementation that exists is Micrometer Context Propagation's
 * ({@link MicrometerThreadLocals}), made only when that library is on the class path, so
 * that this interface, and every class that refers to it, loads without it.
 */
interface ThreadLocals {

	/**
	 * The calling thread's values, or {@code null} when there is nothing to carry.
	 */
	@Nullable Object capture();

	/**
	 * Sets captured values on the calling thread. If that fails, what was already set is
	 * put back before the failure propagates.
	 * @param captured what {@link #capture()} returned
	 * @return what the thread had before, for {@link #putBack}
	 */
	Object set(Object captured);

	/**
	 * Puts back on the calling thread what it had before {@link #set}, in the reverse
	 * order of setting; every value is put back even if one of them fails, and the first
	 * failure then propagates.
	 * @param captured what was set
	 * @param previous what {@link #set} returned
	 */
	void putBack(Object captured, Object previous);

}
