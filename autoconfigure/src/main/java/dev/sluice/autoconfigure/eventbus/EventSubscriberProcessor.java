package dev.sluice.autoconfigure.eventbus;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.sluice.eventbus.BufferOverflow;
import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.EventSubscriber;
import dev.sluice.eventbus.Subscription;

import org.springframework.aop.scope.ScopedProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.DestructionAwareBeanPostProcessor;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Subscribes every {@link EventSubscriber @EventSubscriber} bean method to the event bus
 * when its bean is ready. A method must take exactly one parameter; anything else stops
 * start-up with a message that names the method.
 */
class EventSubscriberProcessor implements DestructionAwareBeanPostProcessor {

	private final ObjectProvider<EventBus> bus;

	private final SubscriberSettings settings;

	/** The subscriptions of each bean, closed when the bean is destroyed. */
	private final Map<Object, List<Subscription>> subscriptions = Collections.synchronizedMap(new IdentityHashMap<>());

	EventSubscriberProcessor(ObjectProvider<EventBus> bus, SubscriberSettings settings) {
		this.bus = bus;
		this.settings = settings;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (ScopedProxyUtils.isScopedTarget(beanName)) {
			return bean; // its scoped proxy is subscribed instead
		}
		Class<?> type = AopUtils.getTargetClass(bean);
		Map<Method, EventSubscriber> methods = MethodIntrospector.selectMethods(type,
				(MethodIntrospector.MetadataLookup<EventSubscriber>) (method) -> AnnotatedElementUtils
					.findMergedAnnotation(method, EventSubscriber.class));
		methods.forEach((method, annotation) -> subscribe(bean, beanName, method, annotation));
		return bean;
	}

	private void subscribe(Object bean, String beanName, Method method, EventSubscriber annotation) {
		if (method.getParameterCount() != 1) {
			throw new IllegalStateException(
					"@EventSubscriber method " + method + " must take exactly one parameter, the event");
		}
		String name = annotation.name().isEmpty() ? beanName + "." + method.getName() : annotation.name();
		Integer buffer = (annotation.buffer() > 0) ? annotation.buffer() : null;
		if (annotation.buffer() < 0) {
			throw new IllegalStateException(
					"@EventSubscriber(buffer) of " + method + " must be at least 1, was " + annotation.buffer());
		}
		BufferOverflow overflow = annotation.overflow().isEmpty() ? null : overflow(annotation.overflow(), method);
		Method invocable = AopUtils.selectInvocableMethod(method, bean.getClass());
		ReflectionUtils.makeAccessible(invocable);
		@SuppressWarnings("unchecked")
		Class<Object> eventType = (Class<Object>) boxed(method.getParameterTypes()[0]);
		Subscription subscription;
		try {
			subscription = this.bus.getObject()
				.subscribe(annotation.topic(), eventType, (event) -> invoke(bean, invocable, event),
						this.settings.options(annotation.topic(), name, buffer, overflow,
								annotation.group().isEmpty() ? null : annotation.group()));
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException("Cannot subscribe @EventSubscriber method " + method + ": "
					+ ex.getMessage() + "; give it a unique name()", ex);
		}
		this.subscriptions.computeIfAbsent(bean, (key) -> new ArrayList<>()).add(subscription);
	}

	@Override
	public boolean requiresDestruction(Object bean) {
		return this.subscriptions.containsKey(bean);
	}

	@Override
	public void postProcessBeforeDestruction(Object bean, String beanName) {
		List<Subscription> closing = this.subscriptions.remove(bean);
		if (closing != null) {
			closing.forEach(Subscription::close);
		}
	}

	private static BufferOverflow overflow(String value, Method method) {
		try {
			return BufferOverflow.valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException("@EventSubscriber(overflow = \"" + value + "\") of " + method
					+ " is not one of drop-newest, drop-oldest, block, fail");
		}
	}

	private static void invoke(Object bean, Method method, Object event) {
		try {
			method.invoke(bean, event);
		}
		catch (InvocationTargetException ex) {
			ReflectionUtils.rethrowRuntimeException(ex.getTargetException());
		}
		catch (IllegalAccessException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static Class<?> boxed(Class<?> type) {
		return type.isPrimitive() ? org.springframework.util.ClassUtils.resolvePrimitiveIfNecessary(type) : type;
	}

}
