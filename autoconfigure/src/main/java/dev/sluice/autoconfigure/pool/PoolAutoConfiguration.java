package dev.sluice.autoconfigure.pool;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import dev.sluice.autoconfigure.actuate.SluiceEndpointContributor;
import dev.sluice.autoconfigure.config.NamedComponents;
import dev.sluice.autoconfigure.config.ShadowedComponentException;
import dev.sluice.pool.TaskObserver;
import dev.sluice.pool.WorkerPool;
import dev.sluice.pool.WorkerPoolMetrics;
import dev.sluice.pool.WorkerPoolRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.core.task.TaskDecorator;
import org.springframework.util.ClassUtils;

/**
 * Auto-configuration of Sluice's worker pools: a {@link WorkerPoolRegistry} of the pools
 * under {@code sluice.pool.instances}, one bean per pool named after it, and their
 * metrics. The application's {@link TaskDecorator} beans wrap the pools' tasks as they
 * wrap those of Spring Boot's own executor (see {@link PoolDecorators}).
 *
 * <p>
 * It runs after Spring Boot's task-execution auto-configuration so that the pools, which
 * are executors, never make Boot's {@code applicationTaskExecutor} back off.
 */
@AutoConfiguration(after = TaskExecutionAutoConfiguration.class)
@EnableConfigurationProperties(PoolProperties.class)
@Import({ PoolAutoConfiguration.RegistryConfiguration.class, PoolAutoConfiguration.MetricsConfiguration.class,
		PoolAutoConfiguration.EndpointConfiguration.class })
public final class PoolAutoConfiguration {

	@Configuration(proxyBeanMethods = false)
	@Import(PoolBeanRegistrar.class)
	static class RegistryConfiguration {

		@Bean(destroyMethod = "shutdownNow")
		@ConditionalOnMissingBean
		WorkerPoolRegistry workerPoolRegistry(Environment environment, ConfigurableListableBeanFactory beanFactory,
				ObjectProvider<TaskDecorator> taskDecorators) {
			List<WorkerPool> pools = new ArrayList<>();
			Binder binder = Binder.get(environment);
			PoolDecorators decorators = new PoolDecorators(beanFactory, taskDecorators,
					PoolConfigs.taskDecorators(binder));
			Set<String> observed = PoolConfigs.observedPools(binder);
			PoolConfigs.of(binder).forEach((name, config) -> {
				if (PoolBeanRegistrar.isUserBean(beanFactory, name)) {
					// the user's own bean of that name wins; the registry holds it rather
					// than a second pool
					pools.add(userPool(beanFactory, name));
				}
				else {
					pools.add(decorators.create(name, config,
							observed.contains(name) ? observerOf(beanFactory, name) : null));
				}
			});
			return new WorkerPoolRegistry(pools);
		}

		/**
		 * The observer of a pool that observes its tasks: only then is Micrometer
		 * Observation looked for, so that it need not be on the class path otherwise.
		 */
		private static @Nullable TaskObserver observerOf(ConfigurableListableBeanFactory beanFactory, String name) {
			if (!ClassUtils.isPresent("io.micrometer.observation.ObservationRegistry",
					PoolAutoConfiguration.class.getClassLoader())) {
				return null;
			}
			return PoolTaskObservation.of(beanFactory, name);
		}

		private static WorkerPool userPool(ConfigurableListableBeanFactory beanFactory, String name) {
			Object bean = beanFactory.getBean(name);
			if (bean instanceof WorkerPool pool && pool.name().equals(name)) {
				return pool;
			}
			throw new ShadowedComponentException("worker pool", name,
					NamedComponents.instance(PoolConfigs.PREFIX, name), bean.getClass());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterBinder.class)
	static class MetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		WorkerPoolMetrics workerPoolMetrics(WorkerPoolRegistry registry) {
			return new WorkerPoolMetrics(registry.all(), Tags.empty());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "sluicePoolsEndpointContributor")
		SluiceEndpointContributor sluicePoolsEndpointContributor(WorkerPoolRegistry registry) {
			return new PoolEndpointContributor(registry);
		}

	}

}
