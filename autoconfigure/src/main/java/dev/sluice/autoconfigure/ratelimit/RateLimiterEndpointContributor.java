package dev.sluice.autoconfigure.ratelimit;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.sluice.autoconfigure.actuate.SluiceEndpointContributor;
import dev.sluice.ratelimit.RateLimitConfig;
import dev.sluice.ratelimit.RateLimiter;
import dev.sluice.ratelimit.RateLimiterRegistry;
import dev.sluice.ratelimit.RateLimiterStats;

/** Describes every rate limiter for {@code /actuator/sluice}, and changes its rate when allowed. */
class RateLimiterEndpointContributor implements SluiceEndpointContributor {

	private final RateLimiterRegistry registry;

	RateLimiterEndpointContributor(RateLimiterRegistry registry) {
		this.registry = registry;
	}

	@Override
	public String kind() {
		return "rate-limiters";
	}

	@Override
	public Map<String, Object> components() {
		Map<String, Object> limiters = new LinkedHashMap<>();
		for (RateLimiter limiter : this.registry.all()) {
			limiters.put(limiter.name(), describe(limiter));
		}
		return limiters;
	}

	@Override
	public Map<String, Object> update(String name, Map<String, Object> changes) {
		RateLimiter limiter = this.registry.find(name).orElse(null);
		if (limiter == null) {
			return null;
		}
		SluiceEndpointContributor.onlyKnownChanges(changes, "rate");
		Object rate = changes.get("rate");
		if (rate != null) {
			limiter.setRate(((Number) rate).intValue());
		}
		return describe(limiter);
	}

	private static Map<String, Object> describe(RateLimiter limiter) {
		RateLimiterStats stats = limiter.stats();
		RateLimitConfig config = stats.config();
		Map<String, Object> settings = new LinkedHashMap<>();
		settings.put("rate", config.rate());
		settings.put("per", config.per().toString());
		settings.put("burst", config.burst());
		settings.put("timeout", config.timeout().toString());
		settings.put("limitForPeriod", config.burst());
		settings.put("limitRefreshPeriod", config.refreshPeriod().toString());
		Map<String, Object> state = new LinkedHashMap<>();
		state.put("available", stats.available());
		state.put("waiting", stats.waiting());
		state.put("rejected", stats.rejected());
		state.put("shutdown", stats.shutdown());
		Map<String, Object> entry = new LinkedHashMap<>();
		entry.put("config", settings);
		entry.put("state", state);
		return entry;
	}
}
