package dev.sluice.autoconfigure.config;

import java.beans.Introspector;
import java.beans.PropertyDescriptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.sluice.autoconfigure.StartupFailures;
import dev.sluice.autoconfigure.bulkhead.BulkheadAutoConfiguration;
import dev.sluice.autoconfigure.bulkhead.BulkheadProperties;
import dev.sluice.autoconfigure.eventbus.EventBusAutoConfiguration;
import dev.sluice.autoconfigure.eventbus.EventBusProperties;
import dev.sluice.autoconfigure.lifecycle.LifecycleAutoConfiguration;
import dev.sluice.autoconfigure.lifecycle.ShutdownProperties;
import dev.sluice.autoconfigure.pool.PoolAutoConfiguration;
import dev.sluice.autoconfigure.pool.PoolProperties;
import dev.sluice.autoconfigure.ratelimit.RateLimiterAutoConfiguration;
import dev.sluice.autoconfigure.ratelimit.RateLimiterProperties;
import dev.sluice.autoconfigure.redis.SluiceRedisProperties;
import dev.sluice.bulkhead.BulkheadConfig;
import dev.sluice.eventbus.SubscriberOptions;
import dev.sluice.pool.PoolConfig;
import dev.sluice.pool.WorkerPoolRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shape of Sluice's configuration: every kind of component is {@code <kind>.defaults}
 * plus {@code <kind>.instances.<name>}; a key Sluice does not know stops start-up with
 * the closest known one; the defaults are checked whether or not anything inherits them;
 * a bean that shadows a component is explained; and the metadata lists, describes and
 * gives the default of every setting.
 */
class ConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SluiceSettingsAutoConfiguration.class,
				LifecycleAutoConfiguration.class, PoolAutoConfiguration.class, BulkheadAutoConfiguration.class,
				RateLimiterAutoConfiguration.class, EventBusAutoConfiguration.class));

	@Test
	void aMistypedPoolSettingUnderAnOldKeyStopsStartUpNamingTheKeyAndWhatItIsNow() {
		assertStartUpFailsWith("sluice.pools.x.wrkers=4", "sluice.pools.x.wrkers",
				"did you mean 'sluice.pool.instances.x.workers'?");
	}

	@Test
	void aMistypedRateLimiterSettingStopsStartUpWithTheClosestName() {
		assertStartUpFailsWith("sluice.rate-limiter.instances.partner-api.brust=9",
				"sluice.rate-limiter.instances.partner-api.brust",
				"did you mean 'sluice.rate-limiter.instances.partner-api.burst'?");
	}

	@Test
	void aMistypedBulkheadSettingStopsStartUpWithTheClosestName() {
		assertStartUpFailsWith("sluice.bulkhead.instances.x.permit=3", "sluice.bulkhead.instances.x.permit",
				"did you mean 'sluice.bulkhead.instances.x.permits'?");
	}

	@Test
	void aMistypedKindStopsStartUpWithTheClosestKind() {
		assertStartUpFailsWith("sluice.pol.instances.x.workers=3", "sluice.pol.instances.x.workers",
				"did you mean 'sluice.pool.instances.x.workers'?");
	}

	@Test
	void aKeyFarFromAnyStopsStartUpWithoutAGuess() {
		this.contextRunner.withPropertyValues("sluice.quantum-flux=on").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(StartupFailures.analyze(context.getStartupFailure())).contains("sluice.quantum-flux")
				.doesNotContain("did you mean");
		});
	}

	@Test
	void everyKnownSettingOfEveryKindStartsTheApplication() {
		this.contextRunner
			.withPropertyValues("sluice.pool.defaults.workers=2", "sluice.pool.instances.orders.queue-capacity=5",
					"sluice.bulkhead.defaults.fair=true", "sluice.bulkhead.instances.db.permits=2",
					"sluice.rate-limiter.defaults.per=2s", "sluice.rate-limiter.instances.api.rate=4",
					"sluice.event-bus.subscriber.defaults.buffer=8",
					"sluice.event-bus.subscriber.topics.orders.buffer=4",
					"sluice.event-bus.subscriber.instances.audit.overflow=block", "sluice.shutdown.timeout=5s",
					"sluice.redis.event-types.order=java.lang.String")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void anInvalidDefaultStopsStartUpEvenWhenEveryPoolSetsItsOwn() {
		this.contextRunner
			.withPropertyValues("sluice.pool.defaults.workers=0", "sluice.pool.instances.orders.workers=3")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(StartupFailures.analyze(context.getStartupFailure()))
					.contains("'sluice.pool.defaults.workers'")
					.contains("between 1 and 32767");
			});
	}

	@Test
	void anInstanceInheritsTheDefaultsItDoesNotSet() {
		this.contextRunner
			.withPropertyValues("sluice.pool.defaults.workers=3", "sluice.pool.defaults.queue-capacity=7",
					"sluice.pool.instances.orders.queue-capacity=9")
			.run((context) -> {
				PoolConfig orders = context.getBean(WorkerPoolRegistry.class).get("orders").config();
				assertThat(orders.workers()).isEqualTo(3);
				assertThat(orders.queueCapacity()).isEqualTo(9);
				assertThat(orders.submitTimeout()).isEqualTo(PoolConfig.DEFAULT_SUBMIT_TIMEOUT);
			});
	}

	@Test
	void aBeanOfAnotherTypeThatShadowsAPoolIsExplained() {
		this.contextRunner.withUserConfiguration(ShadowingBean.class)
			.withPropertyValues("sluice.pool.instances.mail.workers=1")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(StartupFailures.analyze(context.getStartupFailure()))
					.contains("The bean named 'mail' is a " + ThreadPoolTaskExecutor.class.getName())
					.contains("sluice.pool.instances.mail")
					.contains("Rename your bean, or the worker pool");
			});
	}

	@Test
	void theSettingsClassesDefaultsAreCoresDefaults() {
		PoolProperties.Pool pool = new PoolProperties.Pool();
		assertThat(new PoolConfig(pool.getWorkers(), pool.getQueueCapacity(), pool.getOverflow(),
				pool.getSubmitTimeout(), pool.getThreads()))
			.isEqualTo(PoolConfig.defaults());
		BulkheadProperties.Bulkhead bulkhead = new BulkheadProperties.Bulkhead();
		assertThat(bulkhead.getPermits()).isEqualTo(BulkheadConfig.DEFAULT_PERMITS);
		assertThat(new BulkheadConfig(bulkhead.getPermits(), bulkhead.isFair(), bulkhead.getAcquireTimeout()))
			.isEqualTo(BulkheadConfig.ofPermits(BulkheadConfig.DEFAULT_PERMITS));
		EventBusProperties.Subscriber subscriber = new EventBusProperties.Subscriber();
		SubscriberOptions defaults = SubscriberOptions.named("s");
		assertThat(subscriber.getBuffer()).isEqualTo(defaults.buffer());
		assertThat(subscriber.getOverflow()).isEqualTo(defaults.overflow());
		assertThat(subscriber.getPublishTimeout()).isEqualTo(defaults.publishTimeout());
		RateLimiterProperties.Limiter limiter = new RateLimiterProperties.Limiter();
		assertThat(limiter.getPer()).isEqualTo(Duration.ofSeconds(1));
	}

	@Test
	void theMetadataListsDescribesAndGivesTheDefaultOfEverySetting() throws Exception {
		Map<String, Map<?, ?>> metadata = GeneratedMetadata.properties();
		List<String> missing = new ArrayList<>();
		expectSettings(metadata, "sluice.pool.defaults", PoolProperties.Pool.class, missing);
		expectSettings(metadata, "sluice.bulkhead.defaults", BulkheadProperties.Bulkhead.class, missing);
		expectSettings(metadata, "sluice.rate-limiter.defaults", RateLimiterProperties.Limiter.class, missing);
		expectSettings(metadata, "sluice.event-bus.subscriber.defaults", EventBusProperties.Subscriber.class, missing);
		expectSettings(metadata, "sluice.redis.streams", SluiceRedisProperties.Streams.class, missing);
		expectSettings(metadata, "sluice.shutdown", ShutdownProperties.class, missing);
		for (String map : List.of("sluice.pool.instances", "sluice.bulkhead.instances", "sluice.rate-limiter.instances",
				"sluice.event-bus.subscriber.instances", "sluice.event-bus.subscriber.topics",
				"sluice.redis.event-types")) {
			if (!metadata.containsKey(map) || metadata.get(map).get("description") == null) {
				missing.add(map + " (described)");
			}
		}
		assertThat(missing).isEmpty();
	}

	/**
	 * Every bean property of the settings class is in the metadata under the prefix,
	 * described; and has a default there unless its class leaves it empty on purpose
	 * (null: required, or derived).
	 */
	private static void expectSettings(Map<String, Map<?, ?>> metadata, String prefix, Class<?> type,
			List<String> missing) throws Exception {
		Object fresh = type.getDeclaredConstructor().newInstance();
		for (PropertyDescriptor property : Introspector.getBeanInfo(type, Object.class).getPropertyDescriptors()) {
			if (property.getWriteMethod() == null) {
				continue;
			}
			String name = prefix + "." + dashed(property.getName());
			Map<?, ?> entry = metadata.get(name);
			if (entry == null) {
				missing.add(name);
				continue;
			}
			if (entry.get("description") == null) {
				missing.add(name + " (description)");
			}
			boolean hasDefault = property.getReadMethod().invoke(fresh) != null;
			if (hasDefault && entry.get("defaultValue") == null) {
				missing.add(name + " (default)");
			}
		}
	}

	private static String dashed(String camel) {
		return camel.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase();
	}

	private void assertStartUpFailsWith(String property, String key, String suggestion) {
		this.contextRunner.withPropertyValues(property).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(StartupFailures.analyze(context.getStartupFailure())).contains(key).contains(suggestion);
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class ShadowingBean {

		@Bean
		ThreadPoolTaskExecutor mail() {
			return new ThreadPoolTaskExecutor();
		}

	}

}
