package dev.sluice.autoconfigure.web;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * Auto-configuration of the problem responses for Sluice's refusals in a WebFlux
 * application (the same {@link SluiceExceptionHandler} as in Spring MVC), and of the
 * {@code RateLimit} fields on its guarded handlers' responses.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass(
		name = { "org.springframework.web.reactive.DispatcherHandler", "org.springframework.http.ProblemDetail" })
@Import(ProblemResponsesConfiguration.class)
public final class SluiceWebFluxAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnProperty(name = "sluice.web.rate-limit-headers", havingValue = "always")
	RateLimitHeadersWebFilter sluiceRateLimitHeadersWebFilter() {
		return new RateLimitHeadersWebFilter();
	}

}
