package dev.sluice.autoconfigure.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.sluice.autoconfigure.actuate.SluiceEndpointContributor;
import dev.sluice.autoconfigure.config.NamedComponents;
import dev.sluice.autoconfigure.guard.Guard;
import dev.sluice.autoconfigure.guard.GuardAdvisor;
import dev.sluice.autoconfigure.guard.GuardKeyCheck;
import dev.sluice.autoconfigure.guard.GuardKind;
import dev.sluice.autoconfigure.web.GuardedRequests;
import dev.sluice.autoconfigure.guard.GuardProxyRegistrar;
import dev.sluice.ratelimit.RateLimitExceededException;
import dev.sluice.ratelimit.RateLimited;
import dev.sluice.ratelimit.RateLimiter;
import dev.sluice.ratelimit.RateLimiterMetrics;
import dev.sluice.ratelimit.RateLimiterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Role;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

/**
 * Auto-configuration of Sluice's rate limiters: a {@link RateLimiterRegistry} of those
 * under {@code sluice.rate-limiter.instances}, their metrics under resilience4j's names,
 * their place in {@code /actuator/sluice}, and {@link RateLimited @RateLimited} on bean
 * methods. Only resilience4j's core rate limiter is used, not its Spring Boot module.
 */
@AutoConfiguration
@EnableConfigurationProperties(RateLimiterProperties.class)
@Import({ RateLimiterAutoConfiguration.MetricsConfiguration.class,
		RateLimiterAutoConfiguration.EndpointConfiguration.class,
		RateLimiterAutoConfiguration.AnnotationConfiguration.class })
public final class RateLimiterAutoConfiguration {

	static final String PREFIX = "sluice.rate-limiter";

	/**
	 * Runs before {@code @Bulkheaded}, so that a limited call is refused before it takes
	 * a permit.
	 */
	static final int ADVICE_ORDER = Ordered.LOWEST_PRECEDENCE - 200;

	@Bean
	@ConditionalOnMissingBean
	RateLimiterRegistry rateLimiterRegistry(Environment environment,
			ObjectProvider<ClusterRateLimiterFactory> cluster) {
		List<RateLimiter> limiters = new ArrayList<>();
		NamedComponents
			.configs(Binder.get(environment), PREFIX, RateLimiterProperties.Limiter.class,
					RateLimiterProperties.Limiter::new, RateLimiterProperties.Limiter::toConfigured,
					RateLimiterProperties.Limiter::checkAsDefaults)
			.forEach((name, limiter) -> {
				if (limiter.scope() == RateLimiterProperties.Scope.CLUSTER) {
					ClusterRateLimiterFactory factory = cluster.getIfAvailable();
					if (factory == null) {
						throw new InvalidConfigurationPropertyValueException(
								NamedComponents.instance(PREFIX, name) + ".scope", "cluster",
								"scope cluster needs dev.sluice:sluice-redis and spring-boot-starter-data-redis on"
										+ " the classpath; add them, or use scope local");
					}
					limiters.add(factory.create(name, limiter.config(), limiter.onOutage(), limiter.keys()));
				}
				else {
					limiters.add(RateLimiter.create(name, limiter.config(), limiter.keys(), System::nanoTime));
				}
			});
		return new RateLimiterRegistry(limiters);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterBinder.class)
	static class MetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		RateLimiterMetrics rateLimiterMetrics(RateLimiterRegistry registry) {
			return new RateLimiterMetrics(registry.all(), Tags.empty());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "sluiceRateLimitersEndpointContributor")
		SluiceEndpointContributor sluiceRateLimitersEndpointContributor(RateLimiterRegistry registry) {
			return new RateLimiterEndpointContributor(registry);
		}

	}

	/**
	 * A permit for one call: waiting up to the limiter's timeout, or (for a Reactor
	 * subscription) not at all. Nothing is given back.
	 */
	static Guard.Hold take(RateLimiter limiter, boolean wait) {
		try {
			if (wait) {
				limiter.acquire();
			}
			else {
				limiter.acquire(1, Duration.ZERO);
			}
		}
		catch (InterruptedException ex) {
			// the guarded method may not declare the interrupt: keep it and refuse
			// clearly
			Thread.currentThread().interrupt();
			throw new RateLimitExceededException(limiter.name(), RateLimitExceededException.Reason.INTERRUPTED,
					Duration.ZERO, "Interrupted while waiting for rate limiter '" + limiter.name() + "'");
		}
		// the RateLimit fields of a successful response tell of this limiter
		GuardedRequests.rateLimitedBy(limiter);
		return Guard.Hold.NOTHING;
	}

	@Configuration(proxyBeanMethods = false)
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	@Import(GuardProxyRegistrar.class)
	static class AnnotationConfiguration {

		@Bean
		@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
		@ConditionalOnMissingBean(name = "sluiceRateLimitedAdvisor")
		static GuardAdvisor<RateLimited> sluiceRateLimitedAdvisor(ObjectProvider<RateLimiterRegistry> registry) {
			return GuardAdvisor
				.forRegistry(
						new GuardKind<>(RateLimited.class, RateLimited::value, RateLimited::fallbackMethod,
								RateLimitExceededException.class, PREFIX + ".instances",
								RateLimiterAutoConfiguration::take, RateLimited::key, RateLimiter::forKey),
						registry::getObject, ADVICE_ORDER);
		}

		@Bean
		@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
		@ConditionalOnMissingBean(name = "sluiceRateLimitedKeyCheck")
		static GuardKeyCheck<RateLimited> sluiceRateLimitedKeyCheck() {
			return new GuardKeyCheck<>(RateLimited.class, RateLimited::key);
		}

	}

}
