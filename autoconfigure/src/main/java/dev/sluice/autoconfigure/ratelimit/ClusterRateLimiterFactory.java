package dev.sluice.autoconfigure.ratelimit;

import dev.sluice.KeyLimits;
import dev.sluice.ratelimit.OutagePolicy;
import dev.sluice.ratelimit.RateLimitConfig;
import dev.sluice.ratelimit.RateLimiter;

/**
 * Makes the rate limiters configured with {@code scope: cluster}, whose budget every
 * instance shares. Sluice's Redis auto-configuration defines one; without it, such a
 * limiter stops the application at start-up with a message that says what is missing.
 */
@FunctionalInterface
public interface ClusterRateLimiterFactory {

	/**
	 * A limiter whose permits live in the shared store, with the given outage policy and
	 * bound on the keys this instance keeps (each key a budget of its own in the store).
	 */
	RateLimiter create(String name, RateLimitConfig config, OutagePolicy onOutage, KeyLimits keys);

}
