package dev.sluice.pool;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The named pools of an application, in the order they were configured. Immutable once built, so it
 * is safe to share between threads.
 */
public final class WorkerPoolRegistry {

	private final Map<String, WorkerPool> pools;

	/** A registry of the given pools; their names must be distinct. */
	public WorkerPoolRegistry(Collection<WorkerPool> pools) {
		Map<String, WorkerPool> byName = new LinkedHashMap<>();
		for (WorkerPool pool : pools) {
			if (byName.putIfAbsent(pool.name(), pool) != null) {
				throw new IllegalArgumentException("Two pools are named '" + pool.name() + "'");
			}
		}
		this.pools = Collections.unmodifiableMap(byName);
	}

	/**
	 * The pool with the given name.
	 * @throws IllegalArgumentException naming the pools that exist, if none has that name
	 */
	public WorkerPool get(String name) {
		WorkerPool pool = this.pools.get(name);
		if (pool == null) {
			throw new IllegalArgumentException(
					"No worker pool named '" + name + "'; configured pools: " + this.pools.keySet());
		}
		return pool;
	}

	/** The pool with the given name, if there is one. */
	public Optional<WorkerPool> find(String name) {
		return Optional.ofNullable(this.pools.get(name));
	}

	/** The names of all pools, in configuration order. */
	public Set<String> names() {
		return this.pools.keySet();
	}

	/** All pools, in configuration order. */
	public Collection<WorkerPool> pools() {
		return this.pools.values();
	}

	/**
	 * Stops every pool at once: intake stops, queued tasks are dropped and running ones interrupted.
	 * The graceful path, which lets accepted work finish first, is
	 * {@link dev.sluice.lifecycle.GracefulShutdown}; this is the last resort when it did not run.
	 * @return how many tasks were abandoned
	 */
	public int shutdownNow() {
		int abandoned = 0;
		for (WorkerPool pool : this.pools.values()) {
			if (!pool.isTerminated()) {
				abandoned += pool.abandonRemaining();
			}
		}
		return abandoned;
	}
}
