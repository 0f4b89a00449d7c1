package dev.sluice.autoconfigure.pool;

import dev.sluice.pool.WorkerPool;
import dev.sluice.pool.WorkerPoolRegistry;

import org.springframework.beans.factory.config.AutowireCapableBeanFactory;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers one {@link WorkerPool} bean per configured pool, named after the pool, so
 * that {@code @Qualifier("orders")} and {@code @Async("orders")} find it. The beans are
 * not default candidates: injecting a plain {@code Executor} elsewhere in the application
 * never becomes ambiguous because of them. A bean the user already defined under the same
 * name wins.
 *
 * <p>
 * The configuration is bound and validated here, while bean definitions are registered,
 * so that a bad value stops the application before anything starts.
 *
 * <p>
 * Each definition names a static factory method,
 * {@link #pool(WorkerPoolRegistry, String)}, with the pool's name as its argument and the
 * registry autowired, as Spring's own registrars and {@code @Bean} methods do, rather
 * than an instance supplier: Spring AOT ({@code spring-boot:process-aot}) can generate
 * code for such a definition, not for a lambda. As with every AOT-processed application,
 * the set of pool beans is then the one configured at build time;
 * {@link PoolBeanRegistrationAotProcessor} keeps the marker that tells these definitions
 * from the user's in the generated code.
 */
class PoolBeanRegistrar implements ImportBeanDefinitionRegistrar, EnvironmentAware {

	/** Marks the bean definitions this registrar made, to tell them from the user's. */
	static final String POOL_ATTRIBUTE = PoolBeanRegistrar.class.getName() + ".pool";

	@SuppressWarnings("NullAway.Init") // set by Spring before registerBeanDefinitions
	private Environment environment;

	@Override
	public void setEnvironment(Environment environment) {
		this.environment = environment;
	}

	@Override
	public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
		for (String name : PoolConfigs.of(Binder.get(this.environment)).keySet()) {
			if (registry.containsBeanDefinition(name)) {
				continue;
			}
			RootBeanDefinition definition = new RootBeanDefinition(PoolBeanRegistrar.class);
			definition.setFactoryMethodName("pool");
			definition.setTargetType(WorkerPool.class);
			// the registry is autowired by type (argument 0), like a @Bean method's
			definition.setAutowireMode(AutowireCapableBeanFactory.AUTOWIRE_CONSTRUCTOR);
			definition.getConstructorArgumentValues().addIndexedArgumentValue(1, name);
			definition.setDefaultCandidate(false);
			definition.setAttribute(POOL_ATTRIBUTE, name);
			definition.setDescription("Sluice worker pool '" + name + "' (sluice.pool.instances." + name + ")");
			registry.registerBeanDefinition(name, definition);
		}
	}

	/**
	 * The pool bean of that name: the registry's pool. The factory method of the
	 * definitions above.
	 */
	static WorkerPool pool(WorkerPoolRegistry registry, String name) {
		return registry.find(name)
			.orElseThrow(() -> new IllegalStateException("Pool '" + name
					+ "' is configured under sluice.pool.instances but the WorkerPoolRegistry bean does not hold it"));
	}

	/**
	 * Whether the bean of that name, if any, was defined by the user rather than by this
	 * registrar.
	 */
	static boolean isUserBean(ConfigurableListableBeanFactory beanFactory, String name) {
		return beanFactory.containsBeanDefinition(name)
				&& beanFactory.getBeanDefinition(name).getAttribute(POOL_ATTRIBUTE) == null;
	}

}
