package dev.sluice.autoconfigure.guard;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.expression.ParseException;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Checks the syntax of every guard annotation's key expression as each bean is created,
 * so that a wrong one stops start-up naming the bean, the method and the fault, not the
 * first call.
 */
public final class GuardKeyCheck<A extends Annotation> implements BeanPostProcessor {

	private final GuardKeys keys = new GuardKeys(null);

	private final Class<A> annotation;

	private final Function<A, String> key;

	/**
	 * @param annotation the guard annotation
	 * @param key its key expression; empty for none
	 */
	public GuardKeyCheck(Class<A> annotation, Function<A, String> key) {
		this.annotation = annotation;
		this.key = key;
	}

	@Override
	public Object postProcessBeforeInitialization(Object bean, String beanName) {
		Class<?> type = ClassUtils.getUserClass(bean.getClass());
		if (!AnnotationUtils.isCandidateClass(type, this.annotation)) {
			return bean;
		}
		A onClass = AnnotatedElementUtils.findMergedAnnotation(type, this.annotation);
		if (onClass != null) {
			check(beanName, type, null, this.key.apply(onClass));
		}
		for (Method method : ReflectionUtils.getUniqueDeclaredMethods(type, ReflectionUtils.USER_DECLARED_METHODS)) {
			A found = AnnotatedElementUtils.findMergedAnnotation(method, this.annotation);
			if (found != null) {
				check(beanName, type, method, this.key.apply(found));
			}
		}
		return bean;
	}

	private void check(String beanName, Class<?> type, @Nullable Method method, String expression) {
		if (expression.isEmpty()) {
			return;
		}
		try {
			this.keys.parse(expression);
		}
		catch (ParseException ex) {
			throw new BeanInitializationException("@" + this.annotation.getSimpleName() + " on "
					+ ((method != null) ? type.getSimpleName() + "." + method.getName() : type.getName()) + " of bean '"
					+ beanName + "' has a key expression that is not valid SpEL: '" + expression + "': "
					+ ex.getMessage(), ex);
		}
	}

}
