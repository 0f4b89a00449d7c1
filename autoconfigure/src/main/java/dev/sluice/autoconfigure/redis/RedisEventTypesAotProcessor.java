package dev.sluice.autoconfigure.redis;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.BindingReflectionHintsRegistrar;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotContribution;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * Registers Jackson's reflection hints for every class named under
 * {@code sluice.redis.event-types} in the configuration at build time: the Redis
 * transport writes and reads those events as JSON, which in a native image needs their
 * constructors, fields and accessors. A name that is not a class is left to start-up,
 * which refuses it with a message naming the property. Registered in
 * {@code META-INF/spring/aot.factories}; used at build time only.
 */
class RedisEventTypesAotProcessor implements BeanFactoryInitializationAotProcessor {

	static final String PROPERTY = "sluice.redis.event-types";

	@Override
	public @Nullable BeanFactoryInitializationAotContribution processAheadOfTime(
			ConfigurableListableBeanFactory beanFactory) {
		if (!beanFactory.containsBean("environment")) {
			return null;
		}
		Environment environment = beanFactory.getBean("environment", Environment.class);
		Map<String, String> names = Binder.get(environment)
			.bind(PROPERTY, Bindable.mapOf(String.class, String.class))
			.orElse(Map.of());
		Set<Class<?>> types = new LinkedHashSet<>();
		for (String name : names.values()) {
			try {
				types.add(ClassUtils.forName(name.trim(), beanFactory.getBeanClassLoader()));
			}
			catch (ClassNotFoundException | LinkageError ex) {
				// start-up reports it (SluiceRedisAutoConfiguration)
			}
		}
		if (types.isEmpty()) {
			return null;
		}
		return (generationContext, code) -> new BindingReflectionHintsRegistrar()
			.registerReflectionHints(generationContext.getRuntimeHints().reflection(), types.toArray(Class<?>[]::new));
	}

}
