package dev.sluice.autoconfigure.web;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the problem responses for Sluice's refusals in a Spring MVC
 * application.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(
		name = { "org.springframework.web.servlet.DispatcherServlet", "org.springframework.http.ProblemDetail" })
public final class SluiceWebAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	SluiceExceptionHandler sluiceExceptionHandler() {
		return new SluiceExceptionHandler();
	}

}
