package dev.sluice.pool;

import org.jspecify.annotations.Nullable;

/**
 * Watches every task of a pool as it runs: a Micrometer {@code Observation} per task,
 * say. Given to
 * {@link WorkerPool#create(String, PoolConfig, java.util.function.UnaryOperator, TaskObserver)};
 * a pool without one calls nothing.
 *
 * <p>
 * {@link #start()} is called on the thread that runs the task, just before the task's
 * body (and its decorator, if the pool has one) runs, inside the context the pool
 * restored for it (the submitter's, unless the pool does not propagate context), so that
 * what it starts there is a child of what the submitter had. The {@link Run} it returns
 * is ended on the same thread right after the body, with the body's failure if it threw,
 * and before that context is taken away. Neither is called for a task cancelled before it
 * ran. Called from every worker at once: implementations must be thread-safe.
 *
 * <p>
 * An observer that fails never costs a task: if {@link #start()} throws (or returns
 * {@code null}) the task runs all the same, without its observation; if {@link Run#end}
 * throws, the task's outcome (its future's value or failure, or what {@code execute}
 * hands the worker's uncaught-exception handler) stays its body's. Either failure is
 * logged at {@code WARNING} on {@link WorkerPool}'s logger, the first with its stack
 * trace, then summed up at most once a minute.
 */
@FunctionalInterface
public interface TaskObserver {

	/**
	 * A task is about to run on the calling thread.
	 * @return what is told, on the same thread, how the task ended
	 */
	Run start();

	/** One task's run, started by {@link TaskObserver#start()}. */
	@FunctionalInterface
	interface Run {

		/**
		 * The task's body has returned or thrown.
		 * @param failure what it threw; {@code null} if it returned
		 */
		void end(@Nullable Throwable failure);

	}

}
