package dev.sluice.autoconfigure.redis;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import dev.sluice.InvalidSettingException;
import dev.sluice.autoconfigure.actuate.SluiceEndpointContributor;
import dev.sluice.autoconfigure.eventbus.EventBusAutoConfiguration;
import dev.sluice.autoconfigure.ratelimit.ClusterRateLimiterFactory;
import dev.sluice.autoconfigure.ratelimit.RateLimiterAutoConfiguration;
import dev.sluice.eventbus.EventTransport;
import dev.sluice.ratelimit.OutagePolicy;
import dev.sluice.redis.eventbus.EventTypes;
import dev.sluice.redis.eventbus.RedisEventBusMetrics;
import dev.sluice.redis.eventbus.RedisEventTransport;
import dev.sluice.redis.eventbus.RedisStreamSettings;
import dev.sluice.redis.ratelimit.ClusterLimitOptions;
import dev.sluice.redis.ratelimit.RedisRateLimiterMetrics;
import dev.sluice.redis.ratelimit.RedisRateLimiters;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * Auto-configuration of Sluice on Redis, active only when the application switches a
 * component to it ({@code sluice.event-bus.transport: redis}, or {@code scope: cluster}
 * on a rate limiter) and {@code sluice-redis} and Spring Boot's Redis support are on the
 * classpath. It connects with Spring Boot's connection details
 * ({@code spring.data.redis.*}, or a {@code @ServiceConnection}) through a Lettuce client
 * of its own, and adds cluster rate limiters, the Redis Streams event transport, their
 * metrics, a health indicator ({@code sluiceRedis}) and a {@code redis} section in
 * {@code /actuator/sluice}.
 */
@AutoConfiguration(before = { RateLimiterAutoConfiguration.class, EventBusAutoConfiguration.class },
		afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
@ConditionalOnClass({ RedisRateLimiters.class, RedisClient.class, DataRedisConnectionDetails.class })
@Conditional(OnRedisRequestedCondition.class)
@EnableConfigurationProperties(SluiceRedisProperties.class)
@Import({ SluiceRedisAutoConfiguration.RateLimiterConfiguration.class,
		SluiceRedisAutoConfiguration.EventBusConfiguration.class,
		SluiceRedisAutoConfiguration.HealthConfiguration.class,
		SluiceRedisAutoConfiguration.EndpointConfiguration.class })
public final class SluiceRedisAutoConfiguration {

	@Bean(destroyMethod = "shutdown")
	@ConditionalOnMissingBean(name = "sluiceRedisClient")
	RedisClient sluiceRedisClient(ObjectProvider<DataRedisConnectionDetails> connectionDetails,
			SluiceRedisProperties properties) {
		Duration timeout = properties.getOperationTimeout();
		if (timeout == null || timeout.isNegative() || timeout.isZero()
				|| timeout.compareTo(ClusterLimitOptions.MAX_OPERATION_TIMEOUT) > 0) {
			throw new InvalidConfigurationPropertyValueException("sluice.redis.operation-timeout", timeout,
					"operation-timeout must be a positive duration of at most "
							+ ClusterLimitOptions.MAX_OPERATION_TIMEOUT.toSeconds() + "s, such as 500ms");
		}
		DataRedisConnectionDetails details = connectionDetails.getIfAvailable();
		if (details == null) {
			throw new IllegalStateException("Sluice on Redis needs Spring Boot's Redis connection details: add"
					+ " spring-boot-starter-data-redis and set spring.data.redis.host/port (or url)");
		}
		if (details.getSentinel() != null || details.getCluster() != null || details.getMasterReplica() != null) {
			throw new IllegalStateException("Sluice on Redis supports a standalone Redis server only; the"
					+ " spring.data.redis connection names a Sentinel, Cluster or master/replica setup");
		}
		DataRedisConnectionDetails.Standalone standalone = details.getStandalone();
		if (standalone == null) {
			// an application's own connection details may leave it at the interface's
			// default, null
			throw new IllegalStateException("Sluice on Redis needs a standalone Redis server, and the Redis"
					+ " connection details (" + details.getClass().getName() + ") name none");
		}
		// blocking stream reads must not hit the command timeout (Lettuce's default: 60s)
		Duration pollTimeout = properties.getStreams().getPollTimeout();
		Duration commandTimeout = Duration.ofSeconds(60);
		// (a poll-timeout over its limit of 5 minutes is refused when the transport's
		// settings are made)
		if (pollTimeout != null && pollTimeout.compareTo(RedisStreamSettings.MAX_POLL_TIMEOUT) <= 0
				&& pollTimeout.plusSeconds(10).compareTo(commandTimeout) > 0) {
			commandTimeout = pollTimeout.plusSeconds(10);
		}
		RedisURI.Builder uri = RedisURI.builder()
			.withHost(standalone.getHost())
			.withPort(standalone.getPort())
			.withDatabase(standalone.getDatabase())
			.withTimeout(commandTimeout)
			.withSsl(details.getSslBundle() != null);
		if (details.getPassword() != null) {
			if (details.getUsername() != null) {
				uri.withAuthentication(details.getUsername(), details.getPassword());
			}
			else {
				uri.withPassword(details.getPassword().toCharArray());
			}
		}
		RedisClient client = RedisClient.create(uri.build());
		// while the connection is down, commands fail at once instead of queueing to run
		// later: a
		// publish that was refused must not go out after all, and no caller waits on a
		// dead link
		client.setOptions(ClientOptions.builder()
			.autoReconnect(true)
			.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
			.build());
		return client;
	}

	/** The instance id: configured, or the application name with a random suffix. */
	static String instanceId(SluiceRedisProperties properties, Environment environment) {
		if (properties.getInstanceId() != null && !properties.getInstanceId().isBlank()) {
			return properties.getInstanceId();
		}
		String application = environment.getProperty("spring.application.name", "sluice");
		return application + "-" + UUID.randomUUID().toString().substring(0, 8);
	}

	@Configuration(proxyBeanMethods = false)
	@Conditional(OnRedisRequestedCondition.ForRateLimiters.class)
	static class RateLimiterConfiguration {

		@Bean(destroyMethod = "close")
		@ConditionalOnMissingBean
		RedisRateLimiters sluiceRedisRateLimiters(RedisClient sluiceRedisClient, SluiceRedisProperties properties) {
			return RedisRateLimiters.create(sluiceRedisClient, properties.getKeyPrefix());
		}

		@Bean
		@ConditionalOnMissingBean
		ClusterRateLimiterFactory sluiceClusterRateLimiterFactory(RedisRateLimiters limiters,
				SluiceRedisProperties properties) {
			return (name, config, onOutage, keys) -> limiters.create(name, config,
					new ClusterLimitOptions(onOutage, properties.getOperationTimeout()), keys);
		}

		@Bean
		@ConditionalOnClass(MeterBinder.class)
		@ConditionalOnMissingBean
		RedisRateLimiterMetrics sluiceRedisRateLimiterMetrics(RedisRateLimiters limiters) {
			return new RedisRateLimiterMetrics(limiters);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@Conditional(OnRedisRequestedCondition.ForEventBus.class)
	static class EventBusConfiguration {

		/**
		 * The property behind each of the transport's settings
		 * ({@link RedisStreamSettings}).
		 */
		private static final Map<String, String> STREAM_PROPERTIES = Map.ofEntries(
				Map.entry("key-prefix", "sluice.redis.key-prefix"),
				Map.entry("instance-id", "sluice.redis.instance-id"),
				Map.entry("publish-timeout", "sluice.redis.operation-timeout"),
				Map.entry("max-length", "sluice.redis.streams.max-length"),
				Map.entry("max-deliveries", "sluice.redis.streams.max-deliveries"),
				Map.entry("claim-idle", "sluice.redis.streams.claim-idle"),
				Map.entry("poll-timeout", "sluice.redis.streams.poll-timeout"),
				Map.entry("batch-size", "sluice.redis.streams.batch-size"),
				Map.entry("reader-ttl", "sluice.redis.streams.reader-ttl"),
				Map.entry("max-event-size", "sluice.redis.streams.max-event-size"));

		@Bean(destroyMethod = "close")
		@ConditionalOnMissingBean(EventTransport.class)
		RedisEventTransport sluiceRedisEventTransport(RedisClient sluiceRedisClient, SluiceRedisProperties properties,
				Environment environment) {
			SluiceRedisProperties.Streams streams = properties.getStreams();
			EventTypes types = eventTypes(properties);
			String instanceId = instanceId(properties, environment);
			RedisStreamSettings settings;
			try {
				settings = new RedisStreamSettings(properties.getKeyPrefix(), instanceId, streams.getMaxLength(),
						streams.getMaxDeliveries(), streams.getClaimIdle(), streams.getPollTimeout(),
						streams.getBatchSize(), properties.getOperationTimeout(),
						RedisStreamSettings.DEFAULT_TRIM_INTERVAL, streams.isLosslessBroadcast(),
						streams.getReaderTtl(), streams.getMaxEventSize().toBytes());
			}
			catch (InvalidSettingException ex) {
				throw new InvalidConfigurationPropertyValueException(
						STREAM_PROPERTIES.getOrDefault(ex.setting(), "sluice.redis." + ex.setting()), ex.value(),
						ex.getMessage());
			}
			return RedisEventTransport.builder(sluiceRedisClient).settings(settings).eventTypes(types).build();
		}

		private static EventTypes eventTypes(SluiceRedisProperties properties) {
			Map<String, Class<?>> types = new LinkedHashMap<>();
			properties.getEventTypes().forEach((name, className) -> {
				try {
					types.put(name, ClassUtils.forName(className.trim(), ClassUtils.getDefaultClassLoader()));
				}
				catch (ClassNotFoundException | LinkageError ex) {
					throw new InvalidConfigurationPropertyValueException("sluice.redis.event-types." + name, className,
							"event-types must map a name to the fully qualified name of a class on the classpath");
				}
			});
			if (types.isEmpty()) {
				throw new InvalidConfigurationPropertyValueException("sluice.redis.event-types", "(none)",
						"transport redis needs the event types that may cross the wire, such as"
								+ " sluice.redis.event-types.order-placed: com.example.OrderPlaced");
			}
			try {
				return EventTypes.of(types);
			}
			catch (IllegalArgumentException ex) {
				throw new InvalidConfigurationPropertyValueException("sluice.redis.event-types", types,
						ex.getMessage());
			}
		}

		@Bean
		@ConditionalOnClass(MeterBinder.class)
		@ConditionalOnMissingBean
		RedisEventBusMetrics sluiceRedisEventBusMetrics(RedisEventTransport transport) {
			return new RedisEventBusMetrics(transport);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
	static class HealthConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "sluiceRedisHealthIndicator")
		SluiceRedisHealthIndicator sluiceRedisHealthIndicator(ObjectProvider<RedisRateLimiters> limiters,
				ObjectProvider<RedisEventTransport> transport, SluiceRedisProperties properties) {
			return new SluiceRedisHealthIndicator(limiters.getIfAvailable(), transport.getIfAvailable(),
					properties.getOperationTimeout());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "sluiceRedisEndpointContributor")
		SluiceEndpointContributor sluiceRedisEndpointContributor(ObjectProvider<RedisRateLimiters> limiters,
				ObjectProvider<RedisEventTransport> transport) {
			return new RedisEndpointContributor(limiters.getIfAvailable(), transport.getIfAvailable());
		}

	}

}
