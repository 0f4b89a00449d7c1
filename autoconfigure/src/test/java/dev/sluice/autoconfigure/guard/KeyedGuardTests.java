package dev.sluice.autoconfigure.guard;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.sluice.autoconfigure.bulkhead.BulkheadAutoConfiguration;
import dev.sluice.autoconfigure.lifecycle.LifecycleAutoConfiguration;
import dev.sluice.autoconfigure.ratelimit.RateLimiterAutoConfiguration;
import dev.sluice.bulkhead.BulkheadException;
import dev.sluice.bulkhead.BulkheadRegistry;
import dev.sluice.bulkhead.Bulkheaded;
import dev.sluice.ratelimit.RateLimitExceededException;
import dev.sluice.ratelimit.RateLimited;
import dev.sluice.ratelimit.RateLimiterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** {@code key} on the guard annotations: a budget or semaphore per key of the call. */
class KeyedGuardTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LifecycleAutoConfiguration.class, BulkheadAutoConfiguration.class,
				RateLimiterAutoConfiguration.class))
		.withPropertyValues("sluice.rate-limiter.instances.api.rate=2", "sluice.rate-limiter.instances.api.per=1h",
				"sluice.bulkhead.instances.db.permits=1");

	@Test
	void eachKeyOfTheCallHasItsOwnBudget() {
		this.contextRunner.withUserConfiguration(ApiConfiguration.class).run((context) -> {
			Api api = context.getBean(Api.class);
			assertThat(api.quote("key-a", "x")).isEqualTo("x");
			assertThat(api.quote("key-a", "y")).isEqualTo("y");
			assertThatThrownBy(() -> api.quote("key-a", "z")).isInstanceOf(RateLimitExceededException.class);
			assertThat(api.quote("key-b", "z")).isEqualTo("z");
			// by position, and from the bean itself
			assertThat(api.byPosition("key-c")).isEqualTo("key-c");
			assertThat(api.byPosition("key-c")).isEqualTo("key-c");
			assertThatThrownBy(() -> api.byPosition("key-c")).isInstanceOf(RateLimitExceededException.class);
			assertThat(api.tenantsOwn()).isEqualTo("acme");
			RateLimiterRegistry limiters = context.getBean(RateLimiterRegistry.class);
			assertThat(limiters.get("api").keyCount()).isEqualTo(4);
			assertThat(limiters.get("api").forKey("tenant-acme").stats().available()).isEqualTo(1);
			// the limiter's own budget was not touched
			assertThat(limiters.get("api").stats().available()).isEqualTo(2);
			assertThatThrownBy(() -> api.quote(null, "x")).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("#apiKey")
				.hasMessageContaining("null");
		});
	}

	@Test
	void eachKeyOfTheCallHasItsOwnSemaphore() {
		this.contextRunner.withUserConfiguration(ApiConfiguration.class).run((context) -> {
			Api api = context.getBean(Api.class);
			CountDownLatch release = new CountDownLatch(1);
			CompletableFuture<String> held = CompletableFuture.supplyAsync(() -> api.slow("tenant-1", release));
			await()
				.until(() -> context.getBean(BulkheadRegistry.class).get("db").forKey("tenant-1").stats().inUse() == 1);
			assertThatThrownBy(() -> api.slow("tenant-1", new CountDownLatch(0))).isInstanceOf(BulkheadException.class);
			assertThat(api.slow("tenant-2", new CountDownLatch(0))).isEqualTo("tenant-2");
			release.countDown();
			assertThat(held.get(10, TimeUnit.SECONDS)).isEqualTo("tenant-1");
			assertThat(api.slow("tenant-1", new CountDownLatch(0))).isEqualTo("tenant-1");
		});
	}

	@Test
	void aKeyExpressionThatDoesNotParseStopsStartUpNamingBeanAndMethod() {
		this.contextRunner.withUserConfiguration(BadKeyConfiguration.class)
			.run((context) -> assertThat(context).getFailure()
				.hasCauseInstanceOf(BeanInitializationException.class)
				.hasMessageContaining("@RateLimited on BadKey.call of bean 'badKey'")
				.hasMessageContaining("'#p0 +'"));
	}

	@Configuration(proxyBeanMethods = false)
	static class ApiConfiguration {

		@Bean
		Api api() {
			return new Api();
		}

	}

	static class Api {

		@RateLimited(value = "api", key = "#apiKey")
		public String quote(String apiKey, String symbol) {
			return symbol;
		}

		@RateLimited(value = "api", key = "#p0")
		public String byPosition(String key) {
			return key;
		}

		@RateLimited(value = "api", key = "'tenant-' + #root.tenant()")
		public String tenantsOwn() {
			return tenant();
		}

		public String tenant() {
			return "acme";
		}

		@Bulkheaded(value = "db", key = "#tenant")
		public String slow(String tenant, CountDownLatch release) {
			try {
				release.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return tenant;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class BadKeyConfiguration {

		@Bean
		BadKey badKey() {
			return new BadKey();
		}

	}

	static class BadKey {

		@RateLimited(value = "api", key = "#p0 +")
		public String call(String key) {
			return key;
		}

	}

}
