package dev.sluice.pool;

import java.util.concurrent.RejectedExecutionException;

import org.jspecify.annotations.Nullable;

/**
 * Thrown when a {@link WorkerPool} does not accept a task. {@link #reason()} says why, so
 * that callers can tell a full pool from one that is shutting down.
 */
public class TaskRejectedException extends RejectedExecutionException {

	private static final long serialVersionUID = 1L;

	private final String pool;

	private final Reason reason;

	/**
	 * A refusal by the named pool.
	 * @param pool the pool's name
	 * @param reason why the task was refused
	 * @param message what happened, for people
	 * @param cause what caused it, if anything
	 */
	public TaskRejectedException(String pool, Reason reason, String message, @Nullable Throwable cause) {
		super(message, cause);
		this.pool = pool;
		this.reason = reason;
	}

	/** Name of the pool that refused the task. */
	public String pool() {
		return this.pool;
	}

	/** Why the task was refused. */
	public Reason reason() {
		return this.reason;
	}

	/** Why a task was refused. */
	public enum Reason {

		/**
		 * Every worker was busy and the queue was full, under the {@code reject} policy.
		 */
		QUEUE_FULL,

		/**
		 * The queue stayed full for the whole submit timeout, under the {@code block}
		 * policy.
		 */
		TIMED_OUT,

		/** The submitter was interrupted while it waited for queue space. */
		INTERRUPTED,

		/** The pool is shutting down or has shut down. */
		SHUT_DOWN

	}

}
