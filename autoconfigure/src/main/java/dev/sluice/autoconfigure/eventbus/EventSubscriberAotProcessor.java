package dev.sluice.autoconfigure.eventbus;

import java.lang.reflect.Method;
import java.util.Set;

import dev.sluice.eventbus.EventSubscriber;
import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.ExecutableMode;
import org.springframework.beans.factory.aot.BeanRegistrationAotContribution;
import org.springframework.beans.factory.aot.BeanRegistrationAotProcessor;
import org.springframework.beans.factory.support.RegisteredBean;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Registers a reflection hint for every {@link EventSubscriber @EventSubscriber} method
 * of a bean, which {@link EventSubscriberProcessor} invokes by reflection, so that the
 * subscribers of a native image receive their events. The methods are found as the
 * processor finds them at run time. Registered in {@code META-INF/spring/aot.factories};
 * used at build time only.
 */
class EventSubscriberAotProcessor implements BeanRegistrationAotProcessor {

	@Override
	public @Nullable BeanRegistrationAotContribution processAheadOfTime(RegisteredBean registeredBean) {
		Class<?> type = ClassUtils.getUserClass(registeredBean.getBeanClass());
		Set<Method> methods = MethodIntrospector.selectMethods(type,
				(ReflectionUtils.MethodFilter) (method) -> AnnotatedElementUtils.hasAnnotation(method,
						EventSubscriber.class));
		if (methods.isEmpty()) {
			return null;
		}
		return (generationContext,
				code) -> methods.forEach((method) -> generationContext.getRuntimeHints()
					.reflection()
					.registerMethod(method, ExecutableMode.INVOKE));
	}

}
