package dev.sluice.autoconfigure.guard;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Supplier;

import dev.sluice.lifecycle.ComponentRegistry;
import dev.sluice.lifecycle.Drainable;
import org.aopalliance.aop.Advice;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.ComposablePointcut;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Applies a guard annotation (such as {@code @RateLimited}) to the methods of Spring
 * beans that carry it, or whose class carries it.
 *
 * <p>
 * When the application's singletons are ready, it checks every guarded method of every
 * bean it can see the type of: a name that is not configured, or a fallback that does not
 * fit, stops start-up with a {@link GuardConfigurationException} naming the bean and
 * method; an annotation on a method the proxy cannot reach (private, final, static) is
 * logged as a warning. Calls resolve each method once, the same way, and cache it.
 *
 * @param <A> the annotation
 */
public final class GuardAdvisor<A extends Annotation> extends AbstractPointcutAdvisor
		implements SmartInitializingSingleton, BeanFactoryAware {

	private static final long serialVersionUID = 1L;

	private static final Log logger = LogFactory.getLog(GuardAdvisor.class);

	private final transient Pointcut pointcut;

	private final transient GuardInterceptor<A, ?> interceptor;

	private transient @Nullable ConfigurableListableBeanFactory beanFactory;

	private GuardAdvisor(GuardInterceptor<A, ?> interceptor, int order) {
		Class<A> annotation = interceptor.kind().annotation();
		this.pointcut = new ComposablePointcut(new AnnotationMatchingPointcut(annotation, true))
			.union(new AnnotationMatchingPointcut(null, annotation, true));
		this.interceptor = interceptor;
		setOrder(order);
	}

	/**
	 * An advisor for an annotation that names a component of a registry (a rate limiter,
	 * a bulkhead).
	 * @param kind what the annotation means
	 * @param registry the components it may name; asked for when the application has
	 * started, and on a method's first call
	 * @param order where this guard runs among other advice; lower runs first (outermost)
	 */
	public static <A extends Annotation, C extends Drainable> GuardAdvisor<A> forRegistry(GuardKind<A, C> kind,
			Supplier<? extends ComponentRegistry<C>> registry, int order) {
		return new GuardAdvisor<>(new GuardInterceptor<>(kind, registry), order);
	}

	@Override
	public Pointcut getPointcut() {
		return this.pointcut;
	}

	@Override
	public Advice getAdvice() {
		return this.interceptor;
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) throws BeansException {
		this.beanFactory = (beanFactory instanceof ConfigurableListableBeanFactory listable) ? listable : null;
		this.interceptor.useBeanFactory(beanFactory);
	}

	/**
	 * Checks the guarded methods of every bean whose type is known without creating it.
	 * @throws GuardConfigurationException for the first annotation that cannot work
	 */
	@Override
	public void afterSingletonsInstantiated() {
		ConfigurableListableBeanFactory beans = this.beanFactory;
		if (beans == null) {
			return;
		}
		Class<A> annotation = this.interceptor.kind().annotation();
		Set<Class<?>> checked = new HashSet<>();
		for (String name : beans.getBeanDefinitionNames()) {
			Class<?> type;
			try {
				if (beans.getBeanDefinition(name).isAbstract()) {
					continue;
				}
				type = beans.getType(name, false);
			}
			catch (BeansException ex) {
				// a bean whose type cannot be told without creating it is checked on its
				// first call
				continue;
			}
			if (type == null) {
				continue;
			}
			Class<?> userClass = ClassUtils.getUserClass(type);
			// Spring's own beans carry no Sluice annotations: not worth scanning
			if (checked.add(userClass) && !userClass.getName().startsWith("org.springframework.")
					&& AnnotationUtils.isCandidateClass(userClass, annotation)) {
				check(name, userClass, annotation);
			}
		}
	}

	private void check(String beanName, Class<?> type, Class<A> annotation) {
		boolean onClass = AnnotatedElementUtils.hasAnnotation(type, annotation);
		Set<Method> methods = new LinkedHashSet<>();
		ReflectionUtils.doWithMethods(type, (method) -> methods.add(AopUtils.getMostSpecificMethod(method, type)),
				(method) -> !method.isBridge() && !method.isSynthetic() && method.getDeclaringClass() != Object.class);
		for (Method method : methods) {
			boolean onMethod = AnnotatedElementUtils.hasAnnotation(method, annotation);
			if (!onMethod && !(onClass && Modifier.isPublic(method.getModifiers()))) {
				continue;
			}
			int modifiers = method.getModifiers();
			if (onMethod
					&& (Modifier.isPrivate(modifiers) || Modifier.isFinal(modifiers) || Modifier.isStatic(modifiers))) {
				logger.warn("@" + annotation.getSimpleName() + " on "
						+ GuardConfigurationException.describe(type, method) + " (bean '" + beanName
						+ "') has no effect: Spring's proxy cannot intercept a private, final"
						+ " or static method. Make it public (or protected) and non-final, and call it through the bean.");
			}
			try {
				this.interceptor.resolve(method, type);
			}
			catch (GuardConfigurationException ex) {
				throw ex.inBean(beanName);
			}
		}
	}

}
