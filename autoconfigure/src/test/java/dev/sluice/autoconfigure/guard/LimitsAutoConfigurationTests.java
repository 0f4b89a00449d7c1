package dev.sluice.autoconfigure.guard;

import java.time.Duration;

import dev.sluice.autoconfigure.actuate.SluiceEndpoint;
import dev.sluice.autoconfigure.actuate.SluiceEndpointAutoConfiguration;
import dev.sluice.autoconfigure.bulkhead.BulkheadAutoConfiguration;
import dev.sluice.autoconfigure.lifecycle.LifecycleAutoConfiguration;
import dev.sluice.autoconfigure.pool.PoolAutoConfiguration;
import dev.sluice.autoconfigure.ratelimit.RateLimiterAutoConfiguration;
import dev.sluice.bulkhead.Bulkhead;
import dev.sluice.bulkhead.BulkheadConfig;
import dev.sluice.bulkhead.BulkheadException;
import dev.sluice.bulkhead.BulkheadRegistry;
import dev.sluice.bulkhead.Bulkheaded;
import dev.sluice.ratelimit.RateLimitConfig;
import dev.sluice.ratelimit.RateLimitExceededException;
import dev.sluice.ratelimit.RateLimited;
import dev.sluice.ratelimit.RateLimiter;
import dev.sluice.ratelimit.RateLimiterRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Semaphores and rate limiters: properties, back-off, metrics, annotations, endpoint,
 * lifecycle.
 */
class LimitsAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LifecycleAutoConfiguration.class, PoolAutoConfiguration.class,
				BulkheadAutoConfiguration.class, RateLimiterAutoConfiguration.class));

	@Test
	void semaphoreIsCreatedFromItsProperties() {
		this.contextRunner
			.withPropertyValues("sluice.bulkhead.instances.db.permits=3", "sluice.bulkhead.instances.db.fair=true",
					"sluice.bulkhead.instances.db.acquire-timeout=250ms")
			.run((context) -> assertThat(context.getBean(BulkheadRegistry.class).get("db").config())
				.isEqualTo(new BulkheadConfig(3, true, Duration.ofMillis(250))));
	}

	@Test
	void semaphoreTakesDefaultsForWhatItDoesNotSet() {
		this.contextRunner.withPropertyValues("sluice.bulkhead.instances.db.fair=false")
			.run((context) -> assertThat(context.getBean(BulkheadRegistry.class).get("db").config())
				.isEqualTo(BulkheadConfig.ofPermits(10)));
	}

	@Test
	void rateLimiterIsCreatedFromItsProperties() {
		this.contextRunner
			.withPropertyValues("sluice.rate-limiter.instances.api.rate=100",
					"sluice.rate-limiter.instances.api.per=1m", "sluice.rate-limiter.instances.api.burst=20",
					"sluice.rate-limiter.instances.api.timeout=2s")
			.run((context) -> assertThat(context.getBean(RateLimiterRegistry.class).get("api").config())
				.isEqualTo(new RateLimitConfig(100, Duration.ofMinutes(1), 20, Duration.ofSeconds(2))));
	}

	@Test
	void rateLimiterBurstDefaultsToItsRate() {
		this.contextRunner.withPropertyValues("sluice.rate-limiter.instances.api.rate=7")
			.run((context) -> assertThat(context.getBean(RateLimiterRegistry.class).get("api").config())
				.isEqualTo(RateLimitConfig.perSecond(7)));
	}

	@Test
	void userDefinedRegistriesBackOff() {
		this.contextRunner.withUserConfiguration(UserRegistriesConfiguration.class).run((context) -> {
			assertThat(context.getBean(BulkheadRegistry.class).names()).containsExactly("mine");
			assertThat(context.getBean(RateLimiterRegistry.class).names()).containsExactly("mine");
		});
	}

	@Test
	void metricsAreBound() {
		this.contextRunner
			.withPropertyValues("sluice.bulkhead.instances.db.permits=3", "sluice.rate-limiter.instances.api.rate=5")
			.withConfiguration(
					AutoConfigurations.of(MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class))
			.run((context) -> {
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				assertThat(meters.get("sluice.bulkhead.available").tag("name", "db").gauge().value()).isEqualTo(3);
				assertThat(
						meters.get("resilience4j.ratelimiter.available.permissions").tag("name", "api").gauge().value())
					.isEqualTo(5);
			});
	}

	@Test
	void annotationsGuardTheMethodsOfProxiedBeans() {
		this.contextRunner
			.withPropertyValues("sluice.rate-limiter.instances.quotes.rate=2", "sluice.bulkhead.instances.db.permits=1")
			.withUserConfiguration(GuardedConfiguration.class)
			.run((context) -> {
				Quotes quotes = context.getBean(Quotes.class);
				assertThat(AopUtils.isAopProxy(quotes)).isTrue();
				assertThat(quotes.quote()).isEqualTo("quote");
				assertThat(quotes.quote()).isEqualTo("quote");
				assertThatThrownBy(quotes::quote).isInstanceOfSatisfying(RateLimitExceededException.class,
						(ex) -> assertThat(ex.limiter()).isEqualTo("quotes"));
				assertThat(quotes.unguarded()).isEqualTo("free");

				Inventory inventory = context.getBean(Inventory.class);
				Bulkhead db = context.getBean(BulkheadRegistry.class).get("db");
				assertThat(inventory.inUse(db)).isEqualTo(1);
				try (Bulkhead.Permit held = db.acquire()) {
					assertThatThrownBy(() -> inventory.inUse(db)).isInstanceOfSatisfying(BulkheadException.class,
							(ex) -> assertThat(ex.reason()).isEqualTo(BulkheadException.Reason.FULL));
				}
				assertThat(db.stats().available()).isEqualTo(1);
			});
	}

	@Test
	void anAnnotationNamingNothingConfiguredStopsStartUp() {
		this.contextRunner.withPropertyValues("sluice.bulkhead.instances.db.permits=1")
			.withUserConfiguration(GuardedConfiguration.class)
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).isInstanceOf(GuardConfigurationException.class)
					.hasMessageContaining("@RateLimited on " + Quotes.class.getName() + ".quote() (bean 'quotes')")
					.hasMessageContaining("names rate limiter 'quotes'")
					.hasMessageContaining("sluice.rate-limiter.instances");
			});
	}

	@Test
	void endpointShowsAndChangesLimitsAtRunTime() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(SluiceEndpointAutoConfiguration.class))
			.withPropertyValues("management.endpoints.web.exposure.include=sluice",
					"sluice.bulkhead.instances.db.permits=3", "sluice.rate-limiter.instances.api.rate=5")
			.run((context) -> {
				SluiceEndpoint endpoint = context.getBean(SluiceEndpoint.class);
				assertThat(endpoint.components()).containsKeys("pools", "bulkheads", "rate-limiters");
				assertThat(endpoint.update("bulkheads", "db", 8, null)).isNotNull();
				assertThat(context.getBean(BulkheadRegistry.class).get("db").permits()).isEqualTo(8);
				endpoint.update("rate-limiters", "api", null, 50);
				assertThat(context.getBean(RateLimiterRegistry.class).get("api").config().rate()).isEqualTo(50);
				assertThatThrownBy(() -> endpoint.update("bulkheads", "nope", 1, null))
					.isInstanceOf(InvalidEndpointRequestException.class)
					.hasMessage("No bulkheads component named 'nope'");
				assertThatThrownBy(() -> endpoint.update("gizmos", "db", 1, null))
					.isInstanceOf(InvalidEndpointRequestException.class);
				assertThatThrownBy(() -> endpoint.update("bulkheads", "db", null, 5))
					.isInstanceOf(InvalidEndpointRequestException.class)
					.hasMessageContaining("'rate' cannot be changed");
				assertThatThrownBy(() -> endpoint.update("pools", "x", 5, null))
					.isInstanceOf(InvalidEndpointRequestException.class);
				assertThatThrownBy(() -> endpoint.update("bulkheads", "db", 0, null))
					.isInstanceOf(InvalidEndpointRequestException.class)
					.hasMessageContaining("at least 1");
			});
	}

	@Test
	void closingTheContextShutsLimitsDown() {
		this.contextRunner
			.withPropertyValues("sluice.bulkhead.instances.db.permits=1", "sluice.rate-limiter.instances.api.rate=5")
			.run((context) -> {
				Bulkhead db = context.getBean(BulkheadRegistry.class).get("db");
				RateLimiter api = context.getBean(RateLimiterRegistry.class).get("api");
				context.close();
				assertThat(db.isShutdown()).isTrue();
				assertThat(api.isShutdown()).isTrue();
			});
	}

	@Configuration(proxyBeanMethods = false)
	static class UserRegistriesConfiguration {

		@Bean
		BulkheadRegistry myBulkheads() {
			return new BulkheadRegistry(java.util.List.of(Bulkhead.create("mine", BulkheadConfig.ofPermits(1))));
		}

		@Bean
		RateLimiterRegistry myLimiters() {
			return new RateLimiterRegistry(java.util.List.of(RateLimiter.create("mine", RateLimitConfig.perSecond(1))));
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class GuardedConfiguration {

		@Bean
		Quotes quotes() {
			return new Quotes();
		}

		@Bean
		Inventory inventory() {
			return new Inventory();
		}

	}

	static class Quotes {

		@RateLimited("quotes")
		public String quote() {
			return "quote";
		}

		public String unguarded() {
			return "free";
		}

	}

	@Bulkheaded("db")
	static class Inventory {

		public int inUse(Bulkhead db) {
			return db.stats().inUse();
		}

	}

}
