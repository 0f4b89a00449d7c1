package dev.sluice.ratelimit;

import java.util.Collection;

import dev.sluice.lifecycle.ComponentRegistry;

/**
 * The named rate limiters of an application, in the order they were configured. Immutable
 * once built, so it is safe to share between threads.
 */
public final class RateLimiterRegistry extends ComponentRegistry<RateLimiter> {

	/** A registry of the given rate limiters; their names must be distinct. */
	public RateLimiterRegistry(Collection<RateLimiter> limiters) {
		super("rate limiter", limiters);
	}

}
