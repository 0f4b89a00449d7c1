package dev.sluice.pool;

import java.util.Collection;

import dev.sluice.lifecycle.ComponentRegistry;

/**
 * The named worker pools of an application, in the order they were configured. Immutable
 * once built, so it is safe to share between threads.
 */
public final class WorkerPoolRegistry extends ComponentRegistry<WorkerPool> {

	/** A registry of the given pools; their names must be distinct. */
	public WorkerPoolRegistry(Collection<WorkerPool> pools) {
		super("worker pool", pools);
	}

	/**
	 * Stops every pool at once: intake stops, queued tasks are dropped and running ones
	 * interrupted. The graceful path, which lets accepted work finish first, is
	 * {@link dev.sluice.lifecycle.GracefulShutdown}; this is the last resort when it did
	 * not run.
	 * @return how many tasks were abandoned
	 */
	public int shutdownNow() {
		int abandoned = 0;
		for (WorkerPool pool : all()) {
			if (!pool.isTerminated()) {
				abandoned += pool.abandonRemaining();
			}
		}
		return abandoned;
	}

}
