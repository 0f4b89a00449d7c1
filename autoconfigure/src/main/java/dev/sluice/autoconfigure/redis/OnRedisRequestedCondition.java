package dev.sluice.autoconfigure.redis;

import java.util.Map;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.ResolvableType;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when the application switches a Sluice component to Redis: the event bus's transport, or
 * the scope of any rate limiter. Nothing Redis-related is created otherwise.
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
			return ConditionOutcome.match("sluice.rate-limiters." + cluster + ".scope is cluster");
		}
		return ConditionOutcome.noMatch("no Sluice component is switched to Redis");
	}

	static boolean eventBusOnRedis(Binder binder) {
		return binder.bind("sluice.event-bus.transport", String.class)
			.map((value) -> "redis".equalsIgnoreCase(value.trim()))
			.orElse(false);
	}

	/** The name of a rate limiter whose scope is cluster, or {@code null}. */
	static String clusterLimiter(Binder binder) {
		Bindable<Map<String, Map<String, Object>>> type = Bindable.of(ResolvableType.forClassWithGenerics(Map.class,
				ResolvableType.forClass(String.class),
				ResolvableType.forClassWithGenerics(Map.class, String.class, Object.class)));
		Map<String, Map<String, Object>> limiters = binder.bind("sluice.rate-limiters", type).orElse(Map.of());
		for (Map.Entry<String, Map<String, Object>> limiter : limiters.entrySet()) {
			Object scope = limiter.getValue().get("scope");
			if (scope != null && "cluster".equalsIgnoreCase(scope.toString().trim())) {
				return limiter.getKey();
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
			return (cluster != null) ? ConditionOutcome.match("sluice.rate-limiters." + cluster + ".scope is cluster")
					: ConditionOutcome.noMatch("no rate limiter has scope cluster");
		}
	}
}
