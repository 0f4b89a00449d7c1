package dev.sluice.autoconfigure.redis;

import dev.sluice.autoconfigure.eventbus.EventBusAutoConfiguration;
import dev.sluice.autoconfigure.lifecycle.LifecycleAutoConfiguration;
import dev.sluice.autoconfigure.ratelimit.RateLimiterAutoConfiguration;
import dev.sluice.redis.testing.TestRedis;
import io.lettuce.core.RedisURI;
import org.testcontainers.containers.GenericContainer;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.boot.testcontainers.service.connection.ServiceConnectionAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Application contexts that talk to the test Redis: through {@code @ServiceConnection} to
 * a Testcontainers Redis when a Docker engine runs one, otherwise through
 * {@code spring.data.redis.*} to the local server ({@link TestRedis}).
 */
final class RedisContexts {

	private RedisContexts() {
	}

	/**
	 * A runner with Sluice's and Spring Boot's Redis auto-configuration, connected to the
	 * test Redis.
	 */
	static ApplicationContextRunner runner() {
		ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(
				DataRedisAutoConfiguration.class, SluiceRedisAutoConfiguration.class,
				RateLimiterAutoConfiguration.class, EventBusAutoConfiguration.class, LifecycleAutoConfiguration.class));
		if (TestRedis.container() != null) {
			return runner.withConfiguration(AutoConfigurations.of(ServiceConnectionAutoConfiguration.class))
				.withUserConfiguration(ContainerConnection.class);
		}
		RedisURI uri = TestRedis.uri();
		return runner.withPropertyValues("spring.data.redis.host=" + uri.getHost(),
				"spring.data.redis.port=" + uri.getPort());
	}

	@Configuration(proxyBeanMethods = false)
	static class ContainerConnection {

		// the container is shared by every test in the JVM: a context must not stop it
		@Bean(destroyMethod = "")
		@ServiceConnection(name = "redis")
		GenericContainer<?> redisContainer() {
			return TestRedis.container();
		}

	}

}
