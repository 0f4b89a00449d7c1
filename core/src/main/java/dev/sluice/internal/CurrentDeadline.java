package dev.sluice.internal;

import dev.sluice.timeout.Deadline;
import org.jspecify.annotations.Nullable;

/**
 * The thread-local behind {@link Deadline#current()}, shared with the code that carries a
 * deadline to another thread ({@code dev.sluice.context}). Not API.
 */
public final class CurrentDeadline {

	private static final ThreadLocal<Deadline> CURRENT = new ThreadLocal<>();

	private CurrentDeadline() {
	}

	/** The calling thread's deadline, or {@code null}. */
	public static @Nullable Deadline get() {
		return CURRENT.get();
	}

	/**
	 * Whichever of the two deadlines comes first; {@code null} only if both are. For work
	 * that carries one deadline onto a thread that may have its own (a task run by its
	 * submitter under caller-runs, or by a helping join).
	 */
	public static @Nullable Deadline earlier(@Nullable Deadline one, @Nullable Deadline other) {
		if (one == null || one == other) {
			return other;
		}
		if (other == null) {
			return one;
		}
		return (one.remaining().compareTo(other.remaining()) <= 0) ? one : other;
	}

	/** Sets the calling thread's deadline; {@code null} removes it. */
	public static void set(@Nullable Deadline deadline) {
		if (deadline != null) {
			CURRENT.set(deadline);
		}
		else {
			CURRENT.remove();
		}
	}

}
