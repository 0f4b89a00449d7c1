package dev.sluice.autoconfigure.redis;

import java.time.Duration;

import dev.sluice.autoconfigure.eventbus.EventBusAutoConfiguration;
import dev.sluice.autoconfigure.lifecycle.LifecycleAutoConfiguration;
import dev.sluice.autoconfigure.ratelimit.RateLimiterAutoConfiguration;
import dev.sluice.eventbus.EventBus;
import dev.sluice.ratelimit.RateLimiterRegistry;
import dev.sluice.redis.eventbus.RedisEventTransport;
import dev.sluice.redis.eventbus.RedisStreamSettings;
import dev.sluice.redis.ratelimit.RedisRateLimiters;
import dev.sluice.redis.testing.TestRedis;
import io.lettuce.core.RedisClient;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class SluiceRedisAutoConfigurationTests {

	private final ApplicationContextRunner offline = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, SluiceRedisAutoConfiguration.class,
				RateLimiterAutoConfiguration.class, EventBusAutoConfiguration.class, LifecycleAutoConfiguration.class));

	@Test
	void nothingRedisIsCreatedWhenNoComponentIsSwitchedToRedis() {
		this.offline.withPropertyValues("sluice.rate-limiter.instances.api.rate=5").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean("sluiceRedisClient");
			assertThat(context).doesNotHaveBean(RedisRateLimiters.class);
			assertThat(context).doesNotHaveBean(RedisEventTransport.class);
			assertThat(context.getBean(EventBus.class).stats()).isEmpty();
		});
	}

	@Test
	void clusterScopeWithoutSluiceRedisOnTheClasspathFailsStartUpNamingTheProperty() {
		this.offline.withClassLoader(new FilteredClassLoader("dev.sluice.redis."))
			.withPropertyValues("sluice.rate-limiter.instances.api.rate=5",
					"sluice.rate-limiter.instances.api.scope=cluster")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("sluice.rate-limiter.instances.api.scope")
				.hasMessageContaining("sluice-redis"));
	}

	@Test
	void redisTransportWithoutSluiceRedisOnTheClasspathFailsStartUpNamingTheProperty() {
		this.offline.withClassLoader(new FilteredClassLoader("dev.sluice.redis."))
			.withPropertyValues("sluice.event-bus.transport=redis")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("sluice.event-bus.transport")
				.hasMessageContaining("sluice-redis"));
	}

	@Test
	void redisTransportWithoutEventTypesFailsStartUpNamingTheProperty() {
		RedisContexts.runner()
			.withPropertyValues("sluice.event-bus.transport=redis",
					"sluice.redis.key-prefix=" + TestRedis.uniquePrefix())
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("sluice.redis.event-types"));
	}

	@Test
	void anEventTypeThatIsNotAClassFailsStartUpNamingTheProperty() {
		RedisContexts.runner()
			.withPropertyValues("sluice.event-bus.transport=redis",
					"sluice.redis.key-prefix=" + TestRedis.uniquePrefix(),
					"sluice.redis.event-types.order=com.example.NoSuchOrder")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("sluice.redis.event-types.order"));
	}

	@Test
	void anUnknownOutagePolicyFailsStartUpNamingTheProperty() {
		this.offline.withPropertyValues("sluice.rate-limiter.instances.api.rate=5",
				"sluice.rate-limiter.instances.api.scope=cluster", "sluice.rate-limiter.instances.api.on-outage=shrug")
			.run((context) -> assertThat(context).hasFailed());
	}

	@Test
	void aClusterLimiterComesFromRedisAndOnlyTheRateLimiterSideIsCreated() {
		RedisContexts.runner()
			.withPropertyValues("sluice.redis.key-prefix=" + TestRedis.uniquePrefix(),
					"sluice.rate-limiter.instances.api.rate=5", "sluice.rate-limiter.instances.api.scope=cluster",
					"sluice.rate-limiter.instances.local.rate=5")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).hasSingleBean(RedisRateLimiters.class);
				assertThat(context).doesNotHaveBean(RedisEventTransport.class);
				assertThat(context).hasBean("sluiceRedisClient");
				RateLimiterRegistry registry = context.getBean(RateLimiterRegistry.class);
				assertThat(registry.get("api").tryAcquire()).isTrue();
				assertThat(context.getBean(RedisRateLimiters.class).stats()).extracting("name").containsExactly("api");
			});
	}

	@Test
	void aUserDefinedClientIsUsedInsteadOfSluicesOwn() {
		RedisClient own = RedisClient.create(TestRedis.uri());
		try {
			RedisContexts.runner()
				.withPropertyValues("sluice.redis.key-prefix=" + TestRedis.uniquePrefix(),
						"sluice.rate-limiter.instances.api.rate=5", "sluice.rate-limiter.instances.api.scope=cluster")
				.withBean("sluiceRedisClient", RedisClient.class, () -> own)
				.run((context) -> {
					assertThat(context).hasNotFailed();
					assertThat(context).getBean("sluiceRedisClient").isSameAs(own);
					assertThat(context.getBean(RateLimiterRegistry.class).get("api").tryAcquire()).isTrue();
				});
		}
		finally {
			own.shutdown();
		}
	}

	@Test
	void aStreamSettingOutOfRangeFailsStartUpNamingTheProperty() {
		RedisContexts.runner()
			.withPropertyValues("sluice.event-bus.transport=redis",
					"sluice.redis.key-prefix=" + TestRedis.uniquePrefix(),
					"sluice.redis.event-types.order=" + TestOrder.class.getName(), "sluice.redis.streams.max-length=0")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("sluice.redis.streams.max-length")
				.hasMessageContaining("at least 1"));
	}

	@Test
	void theNewStreamSettingsOutOfRangeFailStartUpNamingTheirProperty() {
		RedisContexts.runner()
			.withPropertyValues("sluice.event-bus.transport=redis",
					"sluice.redis.key-prefix=" + TestRedis.uniquePrefix(),
					"sluice.redis.event-types.order=" + TestOrder.class.getName(),
					"sluice.redis.streams.max-event-size=100B")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("sluice.redis.streams.max-event-size")
				.hasMessageContaining("at least 1024 bytes"));
		RedisContexts.runner()
			.withPropertyValues("sluice.event-bus.transport=redis",
					"sluice.redis.key-prefix=" + TestRedis.uniquePrefix(),
					"sluice.redis.event-types.order=" + TestOrder.class.getName(),
					"sluice.redis.streams.lossless-broadcast=true", "sluice.redis.streams.reader-ttl=1s")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("sluice.redis.streams.reader-ttl")
				.hasMessageContaining("at least twice trim-interval"));
	}

	@Test
	void theNewStreamSettingsReachTheTransport() {
		RedisContexts.runner()
			.withPropertyValues("sluice.event-bus.transport=redis",
					"sluice.redis.key-prefix=" + TestRedis.uniquePrefix(),
					"sluice.redis.event-types.order=" + TestOrder.class.getName(),
					"sluice.redis.streams.lossless-broadcast=true", "sluice.redis.streams.reader-ttl=45s",
					"sluice.redis.streams.max-event-size=64KB")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				RedisStreamSettings settings = context.getBean(RedisEventTransport.class).settings();
				assertThat(settings.losslessBroadcast()).isTrue();
				assertThat(settings.readerTtl()).isEqualTo(Duration.ofSeconds(45));
				assertThat(settings.maxEventSize()).isEqualTo(64 * 1024);
			});
	}

}
