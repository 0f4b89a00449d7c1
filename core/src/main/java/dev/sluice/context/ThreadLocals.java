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
	 * Sets captured values on the calling thread.
	 * @return what puts back the values that were there before
	 */
	Restored restore(Object captured);

	/** Puts thread-local values back as they were. */
	@FunctionalInterface
	interface Restored {

		void close();

	}

}
