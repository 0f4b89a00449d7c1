package dev.sluice.pool;

import java.util.Locale;

/**
 * What a submission to a {@link WorkerPool} does when every worker is busy and the queue
 * is full: the pool's queue overflows.
 */
public enum QueueOverflow {

	/** The submitter waits for queue space up to the submit timeout, then is rejected. */
	BLOCK,

	/** The submission is rejected at once with a {@link TaskRejectedException}. */
	REJECT,

	/** The submitting thread runs the task itself, which slows the submitter down. */
	CALLER_RUNS;

	static String allowed() {
		return "block, reject, caller-runs";
	}

	/** The name as written in configuration, such as {@code caller-runs}. */
	public String configName() {
		return name().toLowerCase(Locale.ROOT).replace('_', '-');
	}

}
