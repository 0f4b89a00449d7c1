package dev.sluice.autoconfigure.web;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.function.Consumer;

import dev.sluice.autoconfigure.lifecycle.LifecycleAutoConfiguration;
import dev.sluice.autoconfigure.ratelimit.RateLimiterAutoConfiguration;
import dev.sluice.ratelimit.RateLimitConfig;
import dev.sluice.ratelimit.RateLimiter;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.web.reactive.DispatcherHandler;
import org.springframework.web.servlet.DispatcherServlet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring MVC and WebFlux are each optional: each side is configured with the other
 * absent, and only in its own kind of application.
 */
class WebStacksTests {

	private static final AutoConfigurations CONFIGURATIONS = AutoConfigurations.of(LifecycleAutoConfiguration.class,
			RateLimiterAutoConfiguration.class, SluiceWebAutoConfiguration.class, SluiceWebFluxAutoConfiguration.class);

	@Test
	void springMvcWithoutWebFluxKeepsItsProblemsAndFields() {
		new WebApplicationContextRunner().withConfiguration(CONFIGURATIONS)
			.withClassLoader(new FilteredClassLoader("org.springframework.web.reactive."))
			.withPropertyValues("sluice.web.rate-limit-headers=always")
			.run((context) -> assertThat(context).hasSingleBean(SluiceExceptionHandler.class)
				.hasSingleBean(RateLimitHeadersAdvice.class)
				.doesNotHaveBean(RateLimitHeadersWebFilter.class));
	}

	@Test
	void webFluxWithoutSpringMvcHasItsProblemsAndFields() {
		new ReactiveWebApplicationContextRunner().withConfiguration(CONFIGURATIONS)
			.withClassLoader(new FilteredClassLoader(DispatcherServlet.class))
			.withPropertyValues("sluice.web.rate-limit-headers=always")
			.run((context) -> assertThat(context).hasSingleBean(SluiceExceptionHandler.class)
				.hasSingleBean(RateLimitHeadersWebFilter.class)
				.doesNotHaveBean(RateLimitHeadersAdvice.class));
	}

	@Test
	void neitherSideWithoutItsFramework() {
		Consumer<org.springframework.boot.test.context.assertj.ApplicationContextAssert<?>> none = (context) -> context
			.doesNotHaveBean(SluiceExceptionHandler.class)
			.doesNotHaveBean(RateLimitHeadersAdvice.class)
			.doesNotHaveBean(RateLimitHeadersWebFilter.class);
		new ReactiveWebApplicationContextRunner().withConfiguration(CONFIGURATIONS)
			.withClassLoader(new FilteredClassLoader(DispatcherHandler.class))
			.withPropertyValues("sluice.web.rate-limit-headers=always")
			.run((context) -> none.accept(assertThat(context)));
		new WebApplicationContextRunner().withConfiguration(CONFIGURATIONS)
			.withClassLoader(new FilteredClassLoader(DispatcherServlet.class))
			.withPropertyValues("sluice.web.rate-limit-headers=always")
			.run((context) -> none.accept(assertThat(context)));
	}

	@Test
	void aGuardRecordsItsLimiterWithoutReactorOrWebFlux() throws Exception {
		URL webClasses = GuardedRequests.class.getProtectionDomain().getCodeSource().getLocation();
		ClassLoader withoutReactor = new ClassLoader(getClass().getClassLoader()) {

			@Override
			protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
				// the web package itself is loaded below, where it sees no Reactor
				if (name.startsWith("reactor.") || name.startsWith("org.reactivestreams.")
						|| name.startsWith("org.springframework.web.reactive.")
						|| name.startsWith("org.springframework.web.server.")
						|| name.startsWith("dev.sluice.autoconfigure.web.")) {
					throw new ClassNotFoundException(name);
				}
				return super.loadClass(name, resolve);
			}

		};
		try (URLClassLoader loader = new URLClassLoader(new URL[] { webClasses }, withoutReactor)) {
			// initialising links the class (reflection resolves its public methods'
			// types),
			// and recording outside a request is no error
			Class<?> requests = Class.forName("dev.sluice.autoconfigure.web.GuardedRequests", true, loader);
			assertThat(requests.getClassLoader()).isSameAs(loader);
			requests.getMethod("rateLimitedBy", RateLimiter.class)
				.invoke(null, RateLimiter.create("api", RateLimitConfig.perSecond(2)));
		}
	}

}
