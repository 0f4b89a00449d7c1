package dev.sluice.autoconfigure.guard;

import java.time.Duration;
import java.util.Map;

import dev.sluice.KeyLimits;
import dev.sluice.autoconfigure.actuate.SluiceEndpoint;
import dev.sluice.autoconfigure.actuate.SluiceEndpointAutoConfiguration;
import dev.sluice.autoconfigure.bulkhead.BulkheadAutoConfiguration;
import dev.sluice.autoconfigure.config.SluiceSettingsAutoConfiguration;
import dev.sluice.autoconfigure.config.UnknownSettingsException;
import dev.sluice.autoconfigure.lifecycle.LifecycleAutoConfiguration;
import dev.sluice.autoconfigure.ratelimit.RateLimiterAutoConfiguration;
import dev.sluice.bulkhead.BulkheadRegistry;
import dev.sluice.ratelimit.RateLimiter;
import dev.sluice.ratelimit.RateLimiterRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The keys of rate limiters and bulkheads: settings, start-up checks, metrics, endpoint.
 */
class KeyedLimitsAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LifecycleAutoConfiguration.class, BulkheadAutoConfiguration.class,
				RateLimiterAutoConfiguration.class));

	@Test
	void keyLimitsComeFromTheInstanceOverTheDefaults() {
		this.contextRunner
			.withPropertyValues("sluice.rate-limiter.defaults.keys.idle-timeout=30s",
					"sluice.rate-limiter.instances.api.rate=5", "sluice.rate-limiter.instances.api.keys.max=50",
					"sluice.rate-limiter.instances.other.rate=5", "sluice.bulkhead.instances.db.keys.max=7",
					"sluice.bulkhead.instances.db.keys.idle-timeout=1m")
			.run((context) -> {
				RateLimiterRegistry limiters = context.getBean(RateLimiterRegistry.class);
				assertThat(limiters.get("api").keyLimits()).isEqualTo(new KeyLimits(50, Duration.ofSeconds(30)));
				assertThat(limiters.get("other").keyLimits())
					.isEqualTo(new KeyLimits(KeyLimits.DEFAULT_MAX, Duration.ofSeconds(30)));
				assertThat(context.getBean(BulkheadRegistry.class).get("db").keyLimits())
					.isEqualTo(new KeyLimits(7, Duration.ofMinutes(1)));
			});
	}

	@Test
	void badKeyLimitsStopStartUpNamingTheProperty() {
		this.contextRunner
			.withPropertyValues("sluice.rate-limiter.instances.api.rate=5",
					"sluice.rate-limiter.instances.api.keys.max=0")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("sluice.rate-limiter.instances.api.keys.max")
				.hasMessageContaining("between 1 and"));
		this.contextRunner.withPropertyValues("sluice.bulkhead.defaults.keys.idle-timeout=0s")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("sluice.bulkhead.defaults.keys.idle-timeout"));
	}

	@Test
	void keySettingsOfInstancesAreKnownAndATypoInThemIsNot() {
		ApplicationContextRunner checked = this.contextRunner
			.withConfiguration(AutoConfigurations.of(SluiceSettingsAutoConfiguration.class));
		checked
			.withPropertyValues("sluice.rate-limiter.instances.api.rate=5",
					"sluice.rate-limiter.instances.api.keys.max=9", "sluice.bulkhead.instances.db.keys.idle-timeout=1m")
			.run((context) -> assertThat(context).hasNotFailed());
		checked.withPropertyValues("sluice.bulkhead.instances.db.keys.mxa=9")
			.run((context) -> assertThat(context).getFailure()
				.isInstanceOf(UnknownSettingsException.class)
				.hasMessageContaining("sluice.bulkhead.instances.db.keys.mxa"));
	}

	@Test
	void metricsCountKeysByLimiterNeverTagByKey() {
		this.contextRunner
			.withConfiguration(
					AutoConfigurations.of(MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class))
			.withPropertyValues("sluice.rate-limiter.instances.api.rate=1", "sluice.bulkhead.instances.db.permits=1")
			.run((context) -> {
				RateLimiter api = context.getBean(RateLimiterRegistry.class).get("api");
				for (int i = 0; i < 3; i++) {
					api.forKey("user-" + i).tryAcquire();
					api.forKey("user-" + i).tryAcquire();
				}
				context.getBean(BulkheadRegistry.class).get("db").forKey("tenant").tryAcquire();
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				assertThat(meters.get("sluice.ratelimiter.keys").tag("name", "api").gauge().value()).isEqualTo(3);
				assertThat(meters.get("sluice.ratelimiter.rejected").tag("name", "api").functionCounter().count())
					.isEqualTo(3);
				assertThat(meters.get("sluice.bulkhead.keys").tag("name", "db").gauge().value()).isEqualTo(1);
				assertThat(meters.getMeters()).allSatisfy((meter) -> assertThat(meter.getId().getTags())
					.noneMatch((tag) -> tag.getValue().startsWith("user-") || tag.getValue().equals("tenant")));
			});
	}

	@Test
	@SuppressWarnings("unchecked")
	void theEndpointShowsTheNumberOfLiveKeys() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(SluiceEndpointAutoConfiguration.class))
			.withPropertyValues("management.endpoints.web.exposure.include=sluice",
					"sluice.rate-limiter.instances.api.rate=5", "sluice.bulkhead.instances.db.permits=1")
			.run((context) -> {
				context.getBean(RateLimiterRegistry.class).get("api").forKey("a");
				context.getBean(RateLimiterRegistry.class).get("api").forKey("b");
				context.getBean(BulkheadRegistry.class).get("db").forKey("a");
				Map<String, Object> all = context.getBean(SluiceEndpoint.class).components();
				assertThat(all.toString()).contains("keys=2").contains("keys=1");
			});
	}

}
