package dev.sluice.autoconfigure.bulkhead;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.sluice.autoconfigure.actuate.SluiceEndpointContributor;
import dev.sluice.autoconfigure.config.NamedComponents;
import dev.sluice.autoconfigure.guard.Guard;
import dev.sluice.autoconfigure.guard.GuardAdvisor;
import dev.sluice.autoconfigure.guard.GuardKeyCheck;
import dev.sluice.autoconfigure.guard.GuardKind;
import dev.sluice.autoconfigure.guard.GuardProxyRegistrar;
import dev.sluice.bulkhead.Bulkhead;
import dev.sluice.bulkhead.BulkheadException;
import dev.sluice.bulkhead.BulkheadMetrics;
import dev.sluice.bulkhead.BulkheadRegistry;
import dev.sluice.bulkhead.Bulkheaded;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Role;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

/**
 * Auto-configuration of Sluice's bulkheads: a {@link BulkheadRegistry} of those under
 * {@code sluice.bulkhead.instances}, their metrics, their place in
 * {@code /actuator/sluice}, and {@link Bulkheaded @Bulkheaded} on bean methods.
 */
@AutoConfiguration
@EnableConfigurationProperties(BulkheadProperties.class)
@Import({ BulkheadAutoConfiguration.MetricsConfiguration.class, BulkheadAutoConfiguration.EndpointConfiguration.class,
		BulkheadAutoConfiguration.AnnotationConfiguration.class })
public final class BulkheadAutoConfiguration {

	/**
	 * Runs after {@code @RateLimited}, so that a limited call is refused before it takes
	 * a permit.
	 */
	static final int ADVICE_ORDER = Ordered.LOWEST_PRECEDENCE - 100;

	@Bean
	@ConditionalOnMissingBean
	BulkheadRegistry bulkheadRegistry(Environment environment) {
		List<Bulkhead> bulkheads = new ArrayList<>();
		NamedComponents
			.configs(Binder.get(environment), "sluice.bulkhead", BulkheadProperties.Bulkhead.class,
					BulkheadProperties.Bulkhead::new, BulkheadProperties.Bulkhead::toConfig)
			.forEach(
					(name, configured) -> bulkheads.add(Bulkhead.create(name, configured.config(), configured.keys())));
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
		@ConditionalOnMissingBean(name = "sluiceBulkheadsEndpointContributor")
		SluiceEndpointContributor sluiceBulkheadsEndpointContributor(BulkheadRegistry registry) {
			return new BulkheadEndpointContributor(registry);
		}

	}

	/**
	 * A permit for one call: waiting up to the acquire timeout, or (for a Reactor
	 * subscription) not at all.
	 */
	static Guard.Hold take(Bulkhead bulkhead, boolean wait) {
		Bulkhead.Permit permit;
		try {
			permit = wait ? bulkhead.acquire() : bulkhead.acquire(1, Duration.ZERO);
		}
		catch (InterruptedException ex) {
			// the guarded method may not declare the interrupt: keep it and refuse
			// clearly
			Thread.currentThread().interrupt();
			throw new BulkheadException(bulkhead.name(), BulkheadException.Reason.INTERRUPTED,
					"Interrupted while waiting for a permit of bulkhead '" + bulkhead.name() + "'");
		}
		return permit::close;
	}

	@Configuration(proxyBeanMethods = false)
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	@Import(GuardProxyRegistrar.class)
	static class AnnotationConfiguration {

		@Bean
		@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
		@ConditionalOnMissingBean(name = "sluiceBulkheadedAdvisor")
		static GuardAdvisor<Bulkheaded> sluiceBulkheadedAdvisor(ObjectProvider<BulkheadRegistry> registry) {
			return GuardAdvisor.forRegistry(new GuardKind<>(Bulkheaded.class, Bulkheaded::value,
					Bulkheaded::fallbackMethod, BulkheadException.class, "sluice.bulkhead.instances",
					BulkheadAutoConfiguration::take, Bulkheaded::key, Bulkhead::forKey), registry::getObject,
					ADVICE_ORDER);
		}

		@Bean
		@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
		@ConditionalOnMissingBean(name = "sluiceBulkheadedKeyCheck")
		static GuardKeyCheck<Bulkheaded> sluiceBulkheadedKeyCheck() {
			return new GuardKeyCheck<>(Bulkheaded.class, Bulkheaded::key);
		}

	}

}
