package dev.sluice.autoconfigure.web;

import dev.sluice.ratelimit.RateLimiterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the problem responses for Sluice's refusals in a WebFlux
 * application (the same {@link SluiceExceptionHandler} as in Spring MVC), and of the
 * {@code RateLimit} fields on its guarded handlers' responses.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass(
		name = { "org.springframework.web.reactive.DispatcherHandler", "org.springframework.http.ProblemDetail" })
@EnableConfigurationProperties(SluiceWebProperties.class)
public final class SluiceWebFluxAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	SluiceExceptionHandler sluiceExceptionHandler(SluiceWebProperties properties,
			ObjectProvider<RateLimiterRegistry> limiters) {
		return SluiceExceptionHandler.of(properties, limiters);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnProperty(name = "sluice.web.rate-limit-headers", havingValue = "always")
	RateLimitHeadersWebFilter sluiceRateLimitHeadersWebFilter() {
		return new RateLimitHeadersWebFilter();
	}

}
