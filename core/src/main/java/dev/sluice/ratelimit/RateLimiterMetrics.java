package dev.sluice.ratelimit;

import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Binds rate limiters to Micrometer under resilience4j's own names, tagged {@code name}:
 * {@code resilience4j.ratelimiter.available.permissions} and
 * {@code resilience4j.ratelimiter.waiting_threads}, so that resilience4j dashboards show
 * them; {@code sluice.ratelimiter.rejected}, the calls that got no permit; and
 * {@code sluice.ratelimiter.keys}, the keys live now ({@link RateLimiter#forKey}: the
 * keys themselves are never tags). Every meter reads the limiter when it is scraped, so
 * binding adds nothing to the acquire path.
 */
public final class RateLimiterMetrics implements MeterBinder {

	private final List<RateLimiter> limiters = new ArrayList<>();

	private final Tags tags;

	/**
	 * Metrics for the given limiters, each tagged with its name and the given extra tags.
	 */
	public RateLimiterMetrics(Iterable<RateLimiter> limiters, Iterable<Tag> tags) {
		limiters.forEach(this.limiters::add);
		this.tags = Tags.of(tags);
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		for (RateLimiter limiter : this.limiters) {
			Tags tags = this.tags.and("name", limiter.name());
			Gauge.builder("resilience4j.ratelimiter.available.permissions", limiter, (l) -> l.stats().available())
				.tags(tags)
				.description("The number of available permissions")
				.register(registry);
			Gauge.builder("resilience4j.ratelimiter.waiting_threads", limiter, (l) -> l.stats().waiting())
				.tags(tags)
				.description("The number of waiting threads")
				.register(registry);
			Gauge.builder("sluice.ratelimiter.keys", limiter, RateLimiter::keyCount)
				.tags(tags)
				.description("Keys live now, each with a budget of its own")
				.register(registry);
			FunctionCounter.builder("sluice.ratelimiter.rejected", limiter, (l) -> l.stats().rejected())
				.tags(tags)
				.description("Calls that got no permit: limited, or shut down")
				.register(registry);
		}
	}

}
