package dev.sluice.autoconfigure.web;

import dev.sluice.ratelimit.RateLimiterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The problem responses, the same for Spring MVC and WebFlux: imported by
 * {@link SluiceWebAutoConfiguration} and {@link SluiceWebFluxAutoConfiguration}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SluiceWebProperties.class)
class ProblemResponsesConfiguration {

	@Bean
	@ConditionalOnMissingBean
	SluiceExceptionHandler sluiceExceptionHandler(SluiceWebProperties properties,
			ObjectProvider<RateLimiterRegistry> limiters) {
		return SluiceExceptionHandler.of(properties, limiters);
	}

}
