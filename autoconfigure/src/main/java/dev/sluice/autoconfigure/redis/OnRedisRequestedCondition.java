package dev.sluice.autoconfigure.redis;

import dev.sluice.autoconfigure.config.LayeredSettings;
import dev.sluice.autoconfigure.config.NamedComponents;
import dev.sluice.autoconfigure.ratelimit.RateLimiterProperties;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when the application switches a Sluice component to Redis: the event bus's
 * transport, or the scope of any rate limiter. Nothing Redis-related is created
 * otherwise.
 */
class OnRedisRequestedCondition extends SpringBootCondition {

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		Binder binder = Binder.get(context.getEnvironment());
		if (eventBusOnRedis(binder)) {
			return ConditionOutcome.match("sluice.event-bus.transport is redis");
		}
		String cluster = clusterLimiter(binder);
		if (cluster != null) {
			return ConditionOutcome.match("the scope of rate limiter '" + cluster + "' is cluster");
		}
		return ConditionOutcome.noMatch("no Sluice component is switched to Redis");
	}

	static boolean eventBusOnRedis(Binder binder) {
		return binder.bind("sluice.event-bus.transport", String.class)
			.map((value) -> "redis".equalsIgnoreCase(value.trim()))
			.orElse(false);
	}

	/**
	 * The name of a rate limiter whose scope is cluster (its own, or the defaults'), or
	 * {@code null}.
	 */
	static @Nullable String clusterLimiter(Binder binder) {
		String prefix = "sluice.rate-limiter";
		for (String name : NamedComponents.names(binder, prefix, RateLimiterProperties.Limiter.class)) {
			RateLimiterProperties.Limiter limiter = LayeredSettings.of(binder, RateLimiterProperties.Limiter::new)
				.layer(prefix + ".defaults")
				.layer(NamedComponents.instance(prefix, name))
				.settings();
			if (limiter.getScope() == RateLimiterProperties.Scope.CLUSTER) {
				return name;
			}
		}
		return null;
	}

	/** Matches when the event bus's transport is redis. */
	static class ForEventBus extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			return eventBusOnRedis(Binder.get(context.getEnvironment()))
					? ConditionOutcome.match("sluice.event-bus.transport is redis")
					: ConditionOutcome.noMatch("sluice.event-bus.transport is not redis");
		}

	}

	/** Matches when a rate limiter's scope is cluster. */
	static class ForRateLimiters extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			String cluster = clusterLimiter(Binder.get(context.getEnvironment()));
			return (cluster != null) ? ConditionOutcome.match("the scope of rate limiter '" + cluster + "' is cluster")
					: ConditionOutcome.noMatch("no rate limiter has scope cluster");
		}

	}

}
