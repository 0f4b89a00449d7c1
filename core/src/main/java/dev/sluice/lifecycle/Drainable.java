package dev.sluice.lifecycle;

import java.time.Duration;

/**
 * A component that stops in three steps: it stops taking work, lets what it accepted
 * finish, and then cancels whatever is left.
 *
 * <p>
 * {@link GracefulShutdown} drives the steps for many components against one deadline.
 * Each method may be called more than once and from any thread; calls after the first
 * have no further effect beyond what their contract says.
 */
public interface Drainable {

	/** Name of the component, as it appears in shutdown reports. */
	String name();

	/**
	 * Refuses new work from now on: later submissions fail with a clear exception. Work
	 * already accepted goes on. Does not block.
	 */
	void stopIntake();

	/**
	 * Waits until all accepted work has finished or the timeout passes.
	 * @return {@code true} if everything finished in time
	 * @throws InterruptedException if the waiting thread is interrupted
	 */
	boolean awaitDrained(Duration timeout) throws InterruptedException;

	/**
	 * Abandons what has not finished: queued work is dropped (its futures fail) and
	 * running work is interrupted. May wait briefly (a pool, at most
	 * {@code WorkerPool.ABANDON_GRACE}) for interrupted work to end so that the count is
	 * exact, but not longer for work that ignores the interrupt.
	 * @return how many tasks were abandoned by this call
	 */
	int abandonRemaining();

	/**
	 * Whether the component holds work of its own (a pool does). One that only guards
	 * work done elsewhere (a bulkhead, a rate limiter) answers {@code false}, so that
	 * {@link GracefulShutdown} stops it only after the components that hold work have
	 * drained: their tasks may still need it.
	 */
	default boolean holdsWork() {
		return true;
	}

}
