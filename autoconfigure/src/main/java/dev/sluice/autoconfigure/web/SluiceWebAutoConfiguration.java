package dev.sluice.autoconfigure.web;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * Auto-configuration of the problem responses for Sluice's refusals in a Spring MVC
 * application, and of the {@code RateLimit} fields on its guarded handlers' responses.
 * {@link SluiceWebFluxAutoConfiguration} is its WebFlux counterpart.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(
		name = { "org.springframework.web.servlet.DispatcherServlet", "org.springframework.http.ProblemDetail" })
@Import(ProblemResponsesConfiguration.class)
public final class SluiceWebAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnProperty(name = "sluice.web.rate-limit-headers", havingValue = "always")
	RateLimitHeadersAdvice sluiceRateLimitHeadersAdvice() {
		return new RateLimitHeadersAdvice();
	}

}
