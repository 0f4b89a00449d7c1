package dev.sluice.bulkhead;

import java.util.Collection;

import dev.sluice.lifecycle.ComponentRegistry;

/**
 * The named bulkheads of an application, in the order they were configured. Immutable
 * once built, so it is safe to share between threads.
 */
public final class BulkheadRegistry extends ComponentRegistry<Bulkhead> {

	/** A registry of the given bulkheads; their names must be distinct. */
	public BulkheadRegistry(Collection<Bulkhead> bulkheads) {
		super("bulkhead", bulkheads);
	}

}
