package dev.sluice.autoconfigure.ratelimit;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.sluice.autoconfigure.actuate.ComponentView;
import dev.sluice.autoconfigure.actuate.SluiceEndpointContributor;
import dev.sluice.ratelimit.RateLimiter;
import dev.sluice.ratelimit.RateLimiterRegistry;
import org.jspecify.annotations.Nullable;

/**
 * Shows every rate limiter in {@code /actuator/sluice}, and changes its rate when
 * allowed.
 */
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
			limiters.put(limiter.name(), view(limiter));
		}
		return limiters;
	}

	@Override
	public @Nullable Object update(String name, Map<String, Object> changes) {
		RateLimiter limiter = this.registry.find(name).orElse(null);
		if (limiter == null) {
			return null;
		}
		SluiceEndpointContributor.onlyKnownChanges(changes, "rate");
		limiter.setRate(SluiceEndpointContributor.intChange(changes, "rate"));
		return view(limiter);
	}

	private static ComponentView view(RateLimiter limiter) {
		return new ComponentView(limiter.config(), limiter.stats());
	}

}
