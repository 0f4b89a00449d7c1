package dev.sluice.autoconfigure.eventbus;

import dev.sluice.autoconfigure.actuate.SluiceEndpointContributor;
import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.EventBusMetrics;
import dev.sluice.eventbus.EventTransport;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
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
 */
@AutoConfiguration
@EnableConfigurationProperties(EventBusProperties.class)
@Import({ EventBusAutoConfiguration.MetricsConfiguration.class, EventBusAutoConfiguration.EndpointConfiguration.class })
public final class EventBusAutoConfiguration {

	@Bean(destroyMethod = "abandonRemaining")
	@ConditionalOnMissingBean
	EventBus sluiceEventBus(EventBusProperties properties, Environment environment,
			ObjectProvider<EventTransport> transports) {
		new SubscriberSettings(Binder.get(environment)).validate(properties.getDispatchers());
		int dispatchers = (properties.getDispatchers() != null) ? properties.getDispatchers()
				: Runtime.getRuntime().availableProcessors();
		if (properties.getTransport() == EventBusProperties.Transport.REDIS) {
			EventTransport transport = transports.getIfAvailable();
			if (transport == null) {
				throw new InvalidConfigurationPropertyValueException("sluice.event-bus.transport", "redis",
						"transport redis needs dev.sluice:sluice-redis and spring-boot-starter-data-redis on the"
								+ " classpath; add them, or use in-memory");
			}
			return EventBus.create("eventbus", dispatchers, transport, properties.isPropagateContext());
		}
		return EventBus.create("eventbus", dispatchers, EventTransport.inMemory(), properties.isPropagateContext());
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

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "sluiceEventBusEndpointContributor")
		SluiceEndpointContributor sluiceEventBusEndpointContributor(EventBus bus) {
			return new EventBusEndpointContributor(bus);
		}

	}

}
