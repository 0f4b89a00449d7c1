package dev.sluice.pool;

import java.time.Duration;

/**
 * A point-in-time view of a {@link WorkerPool}. Counters are cumulative since the pool
 * was created; the other values may be slightly out of step with each other, as they are
 * read without a lock.
 *
 * @param name the pool's name
 * @param state whether the pool accepts work, is draining or has terminated
 * @param virtualThreads whether the workers really are virtual threads
 * @param poolSize worker threads that exist now
 * @param active workers running a task now
 * @param queued tasks waiting for a worker
 * @param queueRemaining free places in the queue
 * @param completed tasks that finished, normally or not
 * @param rejected submissions refused because the pool was full or shut down
 * @param callerRuns tasks run by the submitting thread under the {@code caller-runs}
 * policy
 * @param abandoned accepted tasks dropped or interrupted at shutdown
 * @param taskTime total time workers spent running tasks
 */
public record PoolStats(String name, State state, boolean virtualThreads, int poolSize, int active, int queued,
		int queueRemaining, long completed, long rejected, long callerRuns, long abandoned, Duration taskTime) {

	/** The stages of a pool's life. */
	public enum State {

		/** Accepting and running tasks. */
		RUNNING,

		/** Refusing new tasks and finishing the accepted ones. */
		DRAINING,

		/** Every worker has stopped. */
		TERMINATED

	}
}
