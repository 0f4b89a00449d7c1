package dev.sluice.autoconfigure.redis;

import java.time.Duration;

import dev.sluice.autoconfigure.eventbus.EventBusAutoConfiguration;
import dev.sluice.autoconfigure.lifecycle.LifecycleAutoConfiguration;
import dev.sluice.autoconfigure.ratelimit.RateLimiterAutoConfiguration;
import dev.sluice.ratelimit.RateLimitExceededException;
import dev.sluice.ratelimit.RateLimiter;
import dev.sluice.ratelimit.RateLimiterRegistry;
import dev.sluice.redis.testing.OwnedRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Each outage policy, and what the health indicator says, with a Redis that the test
 * stops.
 */
class RedisOutageTests {

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
					"sluice.redis.operation-timeout=300ms", "sluice.rate-limiter.instances.partner.rate=100",
					"sluice.rate-limiter.instances.partner.scope=cluster");
	}

	@AfterEach
	void stopRedis() {
		this.redis.close();
	}

	@Test
	void failOpenGrantsLocallyDuringAnOutageAndHealthStaysUpButDegraded() {
		this.runner.withPropertyValues("sluice.rate-limiter.instances.partner.on-outage=fail-open").run((context) -> {
			RateLimiter limiter = context.getBean(RateLimiterRegistry.class).get("partner");
			SluiceRedisHealthIndicator health = context.getBean(SluiceRedisHealthIndicator.class);
			assertThat(limiter.tryAcquire()).isTrue();
			assertThat(health.health().getStatus()).isEqualTo(Status.UP);
			this.redis.kill();
			assertThat(limiter.tryAcquire()).isTrue();
			Health during = health.health();
			assertThat(during.getStatus()).isEqualTo(Status.UP);
			assertThat(during.getDetails()).containsEntry("reachable", false).containsKey("degraded");
			assertThat((String) during.getDetails().get("degraded")).contains("partner");
			this.redis.restart();
			await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
				limiter.tryAcquire();
				assertThat(health.health().getDetails()).containsEntry("reachable", true).doesNotContainKey("degraded");
			});
		});
	}

	@Test
	void failClosedRefusesAtOnceDuringAnOutageAndHealthIsDown() {
		this.runner.withPropertyValues("sluice.rate-limiter.instances.partner.on-outage=fail-closed").run((context) -> {
			RateLimiter limiter = context.getBean(RateLimiterRegistry.class).get("partner");
			SluiceRedisHealthIndicator health = context.getBean(SluiceRedisHealthIndicator.class);
			assertThat(limiter.tryAcquire()).isTrue();
			this.redis.kill();
			assertThatExceptionOfType(RateLimitExceededException.class).isThrownBy(limiter::tryAcquire)
				.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(RateLimitExceededException.Reason.UNAVAILABLE));
			assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
			this.redis.restart();
			// the limiter probes Redis again once a second; until then it still refuses
			await().atMost(Duration.ofSeconds(20))
				.ignoreException(RateLimitExceededException.class)
				.untilAsserted(() -> {
					assertThat(health.health().getStatus()).isEqualTo(Status.UP);
					assertThat(limiter.tryAcquire()).isTrue();
				});
		});
	}

	@Test
	void waitRetriesUntilTheCallersTimeoutThenRefusesAndHealthIsDown() {
		this.runner.withPropertyValues("sluice.rate-limiter.instances.partner.on-outage=wait").run((context) -> {
			RateLimiter limiter = context.getBean(RateLimiterRegistry.class).get("partner");
			SluiceRedisHealthIndicator health = context.getBean(SluiceRedisHealthIndicator.class);
			assertThat(limiter.tryAcquire()).isTrue();
			this.redis.kill();
			long start = System.nanoTime();
			assertThatExceptionOfType(RateLimitExceededException.class)
				.isThrownBy(() -> limiter.acquire(1, Duration.ofSeconds(1)))
				.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(RateLimitExceededException.Reason.UNAVAILABLE));
			Duration took = Duration.ofNanos(System.nanoTime() - start);
			assertThat(took).as("waited for Redis up to its timeout, no longer")
				.isGreaterThanOrEqualTo(Duration.ofMillis(700))
				.isLessThan(Duration.ofSeconds(3));
			assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
		});
	}

	@Test
	void theRedisTransportMakesRedisRequiredSoHealthIsDownDuringAnOutage() {
		this.runner.withPropertyValues("sluice.event-bus.transport=redis",
				"sluice.redis.event-types.order=" + TestOrder.class.getName(),
				"sluice.rate-limiter.instances.partner.on-outage=fail-open", "sluice.redis.streams.poll-timeout=200ms")
			.run((context) -> {
				SluiceRedisHealthIndicator health = context.getBean(SluiceRedisHealthIndicator.class);
				assertThat(health.health().getStatus()).isEqualTo(Status.UP);
				this.redis.kill();
				assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
			});
	}

}
