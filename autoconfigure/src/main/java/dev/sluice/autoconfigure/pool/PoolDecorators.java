package dev.sluice.autoconfigure.pool;

import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import dev.sluice.pool.PoolConfig;
import dev.sluice.pool.TaskObserver;
import dev.sluice.pool.WorkerPool;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.core.task.TaskDecorator;
import org.springframework.core.task.support.CompositeTaskDecorator;

/**
 * The {@link TaskDecorator} each pool's tasks go through, chosen as Spring Boot chooses
 * the one of its own task executor: the application's {@code TaskDecorator} beans in
 * their order ({@code @Order}, {@code Ordered}), a single one as it is, several as a
 * {@link CompositeTaskDecorator}; none, no decorator. A pool that names a bean
 * ({@code task-decorator}) takes that bean alone, and a name that is no
 * {@code TaskDecorator} bean stops start-up naming the property.
 */
final class PoolDecorators {

	private final ListableBeanFactory beanFactory;

	private final ObjectProvider<TaskDecorator> decorators;

	private final Map<String, PoolConfigs.NamedDecorator> named;

	private @Nullable List<TaskDecorator> applicationDecorators;

	PoolDecorators(ListableBeanFactory beanFactory, ObjectProvider<TaskDecorator> decorators,
			Map<String, PoolConfigs.NamedDecorator> named) {
		this.beanFactory = beanFactory;
		this.decorators = decorators;
		this.named = named;
	}

	/**
	 * The pool, made with its decorator and the observer of its tasks, if it has them.
	 */
	WorkerPool create(String name, PoolConfig config, @Nullable TaskObserver observer) {
		TaskDecorator decorator = decoratorOf(name);
		UnaryOperator<Runnable> decorate = (decorator != null) ? decorator::decorate : null;
		return WorkerPool.create(name, config, decorate, observer);
	}

	private @Nullable TaskDecorator decoratorOf(String pool) {
		PoolConfigs.NamedDecorator named = this.named.get(pool);
		if (named != null) {
			if (!this.beanFactory.containsBean(named.bean())
					|| !this.beanFactory.isTypeMatch(named.bean(), TaskDecorator.class)) {
				throw new InvalidConfigurationPropertyValueException(named.property(), named.bean(),
						"there is no TaskDecorator bean named '" + named.bean() + "'; name a bean of type "
								+ TaskDecorator.class.getName()
								+ ", or leave the property out to use the application's TaskDecorator beans");
			}
			return this.beanFactory.getBean(named.bean(), TaskDecorator.class);
		}
		List<TaskDecorator> all = this.applicationDecorators;
		if (all == null) {
			all = this.decorators.orderedStream().toList();
			this.applicationDecorators = all;
		}
		if (all.isEmpty()) {
			return null;
		}
		return (all.size() == 1) ? all.get(0) : new CompositeTaskDecorator(all);
	}

}
