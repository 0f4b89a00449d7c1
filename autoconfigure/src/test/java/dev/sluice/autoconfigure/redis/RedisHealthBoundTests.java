package dev.sluice.autoconfigure.redis;

import java.time.Duration;

import dev.sluice.autoconfigure.eventbus.EventBusAutoConfiguration;
import dev.sluice.autoconfigure.lifecycle.LifecycleAutoConfiguration;
import dev.sluice.autoconfigure.ratelimit.RateLimiterAutoConfiguration;
import dev.sluice.redis.testing.OwnedRedis;
import io.lettuce.core.ClientOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.boot.data.redis.health.DataRedisHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Health answers within a bound whatever Redis does: stopped (connections refused) or
 * frozen (SIGSTOP: connections open, nothing answers). Sluice's {@code sluiceRedis}
 * indicator is bounded by {@code sluice.redis.operation-timeout}; Spring Boot's own Redis
 * indicator is bounded only when configured as docs/observability.md says, which these
 * tests hold it to (and show what it does without).
 */
class RedisHealthBoundTests {

	/** Generous: each check is bounded by a 500 ms timeout. */
	private static final Duration BOUND = Duration.ofSeconds(2);

	private OwnedRedis redis;

	private ApplicationContextRunner runner;

	@BeforeEach
	void startRedis() {
		this.redis = OwnedRedis.start();
		this.runner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
					SluiceRedisAutoConfiguration.class, RateLimiterAutoConfiguration.class,
					EventBusAutoConfiguration.class, LifecycleAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + this.redis.port(),
					"sluice.event-bus.transport=redis", "sluice.redis.event-types.order=" + TestOrder.class.getName(),
					"sluice.redis.streams.poll-timeout=200ms", "sluice.rate-limiter.instances.partner.rate=100",
					"sluice.rate-limiter.instances.partner.scope=cluster",
					"sluice.rate-limiter.instances.partner.on-outage=fail-closed");
	}

	@AfterEach
	void stopRedis() {
		this.redis.close();
	}

	@Test
	void sluiceRedisAnswersDownWithinTheBoundWhileRedisIsStopped() {
		this.runner.run((context) -> {
			SluiceRedisHealthIndicator health = context.getBean(SluiceRedisHealthIndicator.class);
			assertThat(health.health().getStatus()).isEqualTo(Status.UP);
			this.redis.kill();
			for (int i = 0; i < 3; i++) {
				assertThat(healthWithinBound(health).getStatus()).isEqualTo(Status.DOWN);
			}
			this.redis.restart();
			await().atMost(Duration.ofSeconds(20))
				.untilAsserted(() -> assertThat(healthWithinBound(health).getStatus()).isEqualTo(Status.UP));
		});
	}

	@Test
	void sluiceRedisAnswersDownWithinTheBoundWhileRedisIsFrozen() {
		this.runner.run((context) -> {
			SluiceRedisHealthIndicator health = context.getBean(SluiceRedisHealthIndicator.class);
			assertThat(health.health().getStatus()).isEqualTo(Status.UP);
			this.redis.freeze();
			try {
				for (int i = 0; i < 3; i++) {
					Health during = healthWithinBound(health);
					assertThat(during.getStatus()).isEqualTo(Status.DOWN);
					assertThat(during.getDetails()).containsEntry("reachable", false);
				}
			}
			finally {
				this.redis.thaw();
			}
			await().atMost(Duration.ofSeconds(20))
				.untilAsserted(() -> assertThat(healthWithinBound(health).getStatus()).isEqualTo(Status.UP));
		});
	}

	@Test
	void bootsRedisHealthConfiguredAsDocumentedAnswersWithinTheBoundWhileRedisIsStoppedOrFrozen() {
		this.runner.withUserConfiguration(RejectWhileDisconnected.class)
			.withPropertyValues("spring.data.redis.timeout=500ms", "spring.data.redis.connect-timeout=500ms")
			.run((context) -> {
				HealthIndicator boots = new DataRedisHealthIndicator(context.getBean(RedisConnectionFactory.class));
				assertThat(boots.health().getStatus()).isEqualTo(Status.UP);
				this.redis.kill();
				assertThat(healthWithinBound(boots).getStatus()).isEqualTo(Status.DOWN);
				this.redis.restart();
				await().atMost(Duration.ofSeconds(20))
					.untilAsserted(() -> assertThat(healthWithinBound(boots).getStatus()).isEqualTo(Status.UP));
				this.redis.freeze();
				try {
					assertThat(healthWithinBound(boots).getStatus()).isEqualTo(Status.DOWN);
				}
				finally {
					this.redis.thaw();
				}
			});
	}

	@Test
	void bootsRedisHealthLeftAsItIsWaitsForTheCommandTimeoutWhileRedisIsStopped() {
		// what the sample's redis profile did before: Lettuce queues the health check's
		// command until Redis is back or the command timeout (60s) passes
		this.runner.run((context) -> {
			HealthIndicator boots = new DataRedisHealthIndicator(context.getBean(RedisConnectionFactory.class));
			assertThat(boots.health().getStatus()).isEqualTo(Status.UP);
			this.redis.kill();
			assertThatExceptionOfType(AssertionFailedError.class).isThrownBy(() -> healthWithinBound(boots));
		});
	}

	private static Health healthWithinBound(HealthIndicator indicator) {
		return assertTimeoutPreemptively(BOUND, () -> indicator.health(), "health did not answer within " + BOUND);
	}

	/** What docs/observability.md tells users to add to bound Boot's Redis health. */
	@Configuration(proxyBeanMethods = false)
	static class RejectWhileDisconnected {

		@Bean
		LettuceClientOptionsBuilderCustomizer rejectCommandsWhileDisconnected() {
			return (options) -> options.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
		}

	}

}
