package dev.sluice.autoconfigure.eventbus;

import java.util.Map;

import dev.sluice.autoconfigure.config.LayeredSettings;
import dev.sluice.autoconfigure.config.NamedComponents;
import dev.sluice.autoconfigure.eventbus.EventBusProperties.TransactionalPublish;
import dev.sluice.autoconfigure.actuate.SluiceEndpointContributor;
import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.EventBusMetrics;
import dev.sluice.eventbus.EventDeliveryObservationConvention;
import dev.sluice.eventbus.EventPublishObservationConvention;
import dev.sluice.eventbus.EventTransport;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;

/**
 * Auto-configuration of Sluice's event bus: one {@link EventBus} bean configured under
 * {@code sluice.event-bus}, {@code @EventSubscriber} bean methods subscribed at start-up,
 * metrics, and topics and subscribers in {@code /actuator/sluice}. The bus takes part in
 * graceful shutdown. With {@code sluice.event-bus.transport: redis} it carries events
 * through the {@link EventTransport} bean that Sluice's Redis auto-configuration defines.
 * Topics set to {@code after-commit} ({@code sluice.event-bus.topic.*.transactional})
 * hold publishes made inside a Spring transaction until it commits
 * ({@link TransactionalPublishing}, when spring-tx is on the classpath). With an
 * {@code ObservationRegistry} bean the bus observes its publishes and deliveries (unless
 * {@code sluice.event-bus.observations.enabled} is false), named by the
 * {@link EventPublishObservationConvention} and
 * {@link EventDeliveryObservationConvention} beans if there are any.
 */
@AutoConfiguration
@EnableConfigurationProperties(EventBusProperties.class)
@Import({ EventBusAutoConfiguration.MetricsConfiguration.class, EventBusAutoConfiguration.EndpointConfiguration.class,
		EventBusAutoConfiguration.TransactionConfiguration.class,
		EventBusAutoConfiguration.ObservationConfiguration.class })
public final class EventBusAutoConfiguration {

	static final String TOPIC_PREFIX = "sluice.event-bus.topic";

	private static final String TRANSACTIONS_CLASS = "org.springframework.transaction.support.TransactionSynchronizationManager";

	@Bean(destroyMethod = "abandonRemaining")
	@ConditionalOnMissingBean
	EventBus sluiceEventBus(EventBusProperties properties, Environment environment,
			ObjectProvider<EventTransport> transports, ObjectProvider<TransactionalPublishing> transactional,
			ObjectProvider<EventBusCustomizer> customizers) {
		Binder binder = Binder.get(environment);
		new SubscriberSettings(binder).validate(properties.getDispatchers());
		int dispatchers = (properties.getDispatchers() != null) ? properties.getDispatchers()
				: Runtime.getRuntime().availableProcessors();
		EventTransport transport = EventTransport.inMemory();
		if (properties.getTransport() == EventBusProperties.Transport.REDIS) {
			EventTransport redis = transports.getIfAvailable();
			if (redis == null) {
				throw new InvalidConfigurationPropertyValueException("sluice.event-bus.transport", "redis",
						"transport redis needs dev.sluice:sluice-redis and spring-boot-starter-data-redis on the"
								+ " classpath; add them, or use in-memory");
			}
			transport = redis;
		}
		EventBus.Builder builder = EventBus.builder("eventbus")
			.dispatchers(dispatchers)
			.transport(transport)
			.propagateContext(properties.isPropagateContext());
		String afterCommit = afterCommitProperty(binder);
		if (afterCommit != null) {
			TransactionalPublishing publishing = transactional.getIfAvailable();
			if (publishing == null) {
				throw new InvalidConfigurationPropertyValueException(afterCommit, "after-commit",
						"after-commit needs Spring's transaction support (org.springframework:spring-tx) on the"
								+ " classpath; add it, or use immediate");
			}
			builder.publishInterceptor(publishing);
		}
		customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
		return builder.build();
	}

	/** The defaults' setting for topics, then each configured topic's. */
	static TransactionalPublishing transactionalPublishing(Binder binder) {
		TransactionalPublish defaults = LayeredSettings.of(binder, EventBusProperties.Topic::new)
			.layer(TOPIC_PREFIX + ".defaults")
			.settings()
			.getTransactional();
		Map<String, TransactionalPublish> topics = NamedComponents.configs(binder, TOPIC_PREFIX,
				EventBusProperties.Topic.class, EventBusProperties.Topic::new,
				EventBusProperties.Topic::getTransactional);
		return new TransactionalPublishing(defaults, topics);
	}

	/**
	 * The first property that sets a topic to after-commit, or {@code null} if none does.
	 */
	private static @Nullable String afterCommitProperty(Binder binder) {
		TransactionalPublishing settings = transactionalPublishing(binder);
		if (settings.defaults() == TransactionalPublish.AFTER_COMMIT) {
			return TOPIC_PREFIX + ".defaults.transactional";
		}
		for (Map.Entry<String, TransactionalPublish> topic : settings.topics().entrySet()) {
			if (topic.getValue() == TransactionalPublish.AFTER_COMMIT) {
				return NamedComponents.instance(TOPIC_PREFIX, topic.getKey()) + ".transactional";
			}
		}
		return null;
	}

	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static EventSubscriberProcessor sluiceEventSubscriberProcessor(ObjectProvider<EventBus> bus,
			Environment environment) {
		return new EventSubscriberProcessor(bus, new SubscriberSettings(Binder.get(environment)));
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterBinder.class)
	static class MetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		EventBusMetrics eventBusMetrics(EventBus bus) {
			return new EventBusMetrics(bus);
		}

		@Bean
		@ConditionalOnClass(name = TRANSACTIONS_CLASS)
		@ConditionalOnMissingBean
		TransactionalPublishingMetrics sluiceTransactionalPublishingMetrics(TransactionalPublishing publishing) {
			return new TransactionalPublishingMetrics(publishing);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "sluiceEventBusEndpointContributor")
		SluiceEndpointContributor sluiceEventBusEndpointContributor(EventBus bus,
				ObjectProvider<TransactionalPublishing> transactional) {
			return new EventBusEndpointContributor(bus, transactional.getIfAvailable());
		}

	}

	/**
	 * Observations of publishes and deliveries: only with Micrometer Observation on the
	 * classpath, so that the bus's bean method never names its types; the registry is
	 * looked up when the bus is made, so the order of auto-configurations does not
	 * matter.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(ObservationRegistry.class)
	@ConditionalOnProperty(name = "sluice.event-bus.observations.enabled", havingValue = "true", matchIfMissing = true)
	static class ObservationConfiguration {

		@Bean
		EventBusCustomizer sluiceEventBusObservations(ObjectProvider<ObservationRegistry> registry,
				ObjectProvider<EventPublishObservationConvention> publishConvention,
				ObjectProvider<EventDeliveryObservationConvention> deliveryConvention) {
			return (builder) -> builder.observationRegistry(registry.getIfUnique())
				.publishObservationConvention(publishConvention.getIfUnique())
				.deliveryObservationConvention(deliveryConvention.getIfUnique());
		}

	}

	/**
	 * Publishes held for transactions: only with Spring's transaction support on the
	 * classpath.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = TRANSACTIONS_CLASS)
	static class TransactionConfiguration {

		@Bean
		@ConditionalOnMissingBean
		TransactionalPublishing sluiceTransactionalPublishing(Environment environment) {
			return transactionalPublishing(Binder.get(environment));
		}

	}

}
