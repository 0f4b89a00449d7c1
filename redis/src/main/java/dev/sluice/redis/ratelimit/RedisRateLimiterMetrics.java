package dev.sluice.redis.ratelimit;

import java.util.List;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Binds the cluster rate limiters of a {@link RedisRateLimiters} to Micrometer, per
 * limiter (tag {@code name}): {@code sluice.ratelimiter.redis.round.trips},
 * {@code .failures} (round trips that failed or timed out) and {@code .local.grants}
 * (permits granted locally while failing open) counters, and the
 * {@code sluice.ratelimiter.redis.reachable} gauge, 1 while the last round trip succeeded
 * and 0 during an outage. Limiters made after binding are bound when they are made. Every
 * meter reads the limiter's counters when scraped, so binding adds nothing to the acquire
 * path. The core {@code RateLimiterMetrics} covers what every limiter has (available
 * permits, rejections).
 *
 * <p>
 * A limiter's meters are removed from the registry when it shuts down, so that a limiter
 * made again under the same name gets meters of its own (Micrometer would otherwise hand
 * it the old ones, still reading the old limiter). Two {@code RedisRateLimiters} bound to
 * one registry should not have limiters of the same name unless the extra tags tell them
 * apart.
 */
public final class RedisRateLimiterMetrics implements MeterBinder {

	private final RedisRateLimiters limiters;

	private final Tags tags;

	/** Metrics for the given limiters, each tagged with its name. */
	public RedisRateLimiterMetrics(RedisRateLimiters limiters) {
		this(limiters, Tags.empty());
	}

	/**
	 * Metrics for the given limiters, each tagged with its name and the given extra tags.
	 */
	public RedisRateLimiterMetrics(RedisRateLimiters limiters, Iterable<Tag> tags) {
		this.limiters = limiters;
		this.tags = Tags.of(tags);
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		this.limiters.forEachLimit((limit) -> bind(limit, registry));
	}

	private void bind(ClusterLimit limit, MeterRegistry registry) {
		Tags tags = this.tags.and("name", limit.name);
		Meter roundTrips = FunctionCounter
			.builder("sluice.ratelimiter.redis.round.trips", limit, (l) -> l.roundTrips.sum())
			.tags(tags)
			.description("Takes asked of Redis, failed ones included (takes made at the same time share one exchange)")
			.register(registry);
		Meter failures = FunctionCounter
			.builder("sluice.ratelimiter.redis.failures", limit, (l) -> l.failedRoundTrips.sum())
			.tags(tags)
			.description("Round trips to Redis that failed or got no answer within the operation timeout")
			.register(registry);
		Meter localGrants = FunctionCounter
			.builder("sluice.ratelimiter.redis.local.grants", limit, (l) -> l.grantedLocally.sum())
			.tags(tags)
			.description("Permits granted by the local limiter while Redis was unreachable (fail-open)")
			.baseUnit("permits")
			.register(registry);
		Meter reachable = Gauge
			.builder("sluice.ratelimiter.redis.reachable", limit, (l) -> (l.outage() == null) ? 1 : 0)
			.tags(tags)
			.description("1 while the limiter's last round trip to Redis succeeded, 0 during an outage")
			.register(registry);
		limit.onShutdown(() -> List.of(roundTrips, failures, localGrants, reachable).forEach(registry::remove));
	}

}
