package dev.sluice.autoconfigure.semaphore;

import java.util.ArrayList;
import java.util.List;

import dev.sluice.autoconfigure.actuate.SluiceEndpointContributor;
import dev.sluice.autoconfigure.guard.GuardAdvisor;
import dev.sluice.autoconfigure.guard.GuardProxyRegistrar;
import dev.sluice.semaphore.Bulkhead;
import dev.sluice.semaphore.BulkheadException;
import dev.sluice.semaphore.BulkheadMetrics;
import dev.sluice.semaphore.BulkheadRegistry;
import dev.sluice.semaphore.Bulkheaded;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Role;
import org.springframework.core.Ordered;

/**
 * Auto-configuration of Sluice's semaphores (bulkheads): a {@link BulkheadRegistry} of those under
 * {@code sluice.semaphores}, their metrics, their place in {@code /actuator/sluice}, and
 * {@link Bulkheaded @Bulkheaded} on bean methods.
 */
@AutoConfiguration
@EnableConfigurationProperties(SemaphoreProperties.class)
@Import({ SemaphoreAutoConfiguration.MetricsConfiguration.class,
		SemaphoreAutoConfiguration.EndpointConfiguration.class,
		SemaphoreAutoConfiguration.AnnotationConfiguration.class })
public final class SemaphoreAutoConfiguration {

	/** Runs after {@code @RateLimited}, so that a limited call is refused before it takes a permit. */
	static final int ADVICE_ORDER = Ordered.LOWEST_PRECEDENCE - 100;

	@Bean
	@ConditionalOnMissingBean
	BulkheadRegistry bulkheadRegistry(SemaphoreProperties properties) {
		List<Bulkhead> bulkheads = new ArrayList<>();
		properties.toConfigs().forEach((name, config) -> bulkheads.add(Bulkhead.create(name, config)));
		return new BulkheadRegistry(bulkheads);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterBinder.class)
	static class MetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		BulkheadMetrics bulkheadMetrics(BulkheadRegistry registry) {
			return new BulkheadMetrics(registry.all(), Tags.empty());
		}
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "sluiceSemaphoresEndpointContributor")
		SluiceEndpointContributor sluiceSemaphoresEndpointContributor(BulkheadRegistry registry) {
			return new SemaphoreEndpointContributor(registry);
		}
	}

	@Configuration(proxyBeanMethods = false)
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	@Import(GuardProxyRegistrar.class)
	static class AnnotationConfiguration {

		@Bean
		@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
		@ConditionalOnMissingBean(name = "sluiceBulkheadedAdvisor")
		static GuardAdvisor<Bulkheaded> sluiceBulkheadedAdvisor(ObjectProvider<BulkheadRegistry> registry) {
			return new GuardAdvisor<>(Bulkheaded.class, (annotation) -> {
				Bulkhead bulkhead = registry.getObject().find(annotation.value())
					.orElseThrow(() -> new IllegalStateException("@Bulkheaded names semaphore '" + annotation.value()
							+ "', which is not configured under sluice.semaphores; configured: "
							+ registry.getObject().names()));
				return (invocation) -> {
					Bulkhead.Permit permit;
					try {
						permit = bulkhead.acquire();
					}
					catch (InterruptedException ex) {
						// the guarded method may not declare the interrupt: keep it and refuse clearly
						Thread.currentThread().interrupt();
						throw new BulkheadException(bulkhead.name(), BulkheadException.Reason.INTERRUPTED,
								"Interrupted while waiting for a permit of semaphore '" + bulkhead.name() + "'");
					}
					try (permit) {
						return invocation.proceed();
					}
				};
			}, ADVICE_ORDER);
		}
	}
}
