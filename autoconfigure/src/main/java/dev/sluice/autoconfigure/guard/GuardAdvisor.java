package dev.sluice.autoconfigure.guard;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.sluice.lifecycle.ComponentRegistry;
import dev.sluice.lifecycle.Drainable;
import org.aopalliance.aop.Advice;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;

import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.ComposablePointcut;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.core.MethodClassKey;
import org.springframework.core.annotation.AnnotatedElementUtils;

/**
 * Applies a guard annotation (such as {@code @RateLimited}) to the methods of Spring
 * beans that carry it, or whose class carries it. The guard of each method is resolved
 * once, on its first call, and cached.
 *
 * @param <A> the annotation
 */
public final class GuardAdvisor<A extends Annotation> extends AbstractPointcutAdvisor {

	private static final long serialVersionUID = 1L;

	private final transient Pointcut pointcut;

	private final transient Advice advice;

	/**
	 * @param annotation the annotation that marks guarded methods or classes
	 * @param guards makes the guard an annotation asks for; throws a clear exception if
	 * it names nothing configured
	 * @param order where this guard runs among other advice; lower runs first (outermost)
	 */
	public GuardAdvisor(Class<A> annotation, Function<A, Guard> guards, int order) {
		this.pointcut = new ComposablePointcut(new AnnotationMatchingPointcut(annotation, true))
			.union(new AnnotationMatchingPointcut(null, annotation, true));
		Map<MethodClassKey, Guard> cache = new ConcurrentHashMap<>();
		this.advice = (MethodInterceptor) (invocation) -> {
			Method method = invocation.getMethod();
			Object target = invocation.getThis();
			Class<?> targetClass = (target != null) ? target.getClass() : null;
			Guard guard = cache.computeIfAbsent(new MethodClassKey(method, targetClass), (key) -> {
				Method specific = (target != null) ? AopUtils.getMostSpecificMethod(method, target.getClass()) : method;
				A found = AnnotatedElementUtils.findMergedAnnotation(specific, annotation);
				if (found == null) {
					found = AnnotatedElementUtils.findMergedAnnotation(specific.getDeclaringClass(), annotation);
				}
				return (found != null) ? guards.apply(found) : MethodInvocation::proceed;
			});
			return guard.around(invocation);
		};
		setOrder(order);
	}

	/**
	 * An advisor for an annotation that names a component of a registry (a rate limiter,
	 * a bulkhead): a name that is not configured fails with a message naming the
	 * annotation, the name, where such components are configured and which are.
	 * @param name the component an annotation names
	 * @param configuredUnder the property under which the components are configured
	 * @param guard the guard of one component, for the annotation found
	 */
	public static <A extends Annotation, C extends Drainable> GuardAdvisor<A> forRegistry(Class<A> annotation,
			Function<A, String> name, Supplier<? extends ComponentRegistry<C>> registry, String configuredUnder,
			BiFunction<A, C, Guard> guard, int order) {
		return new GuardAdvisor<>(annotation, (found) -> {
			ComponentRegistry<C> components = registry.get();
			String named = name.apply(found);
			C component = components.find(named)
				.orElseThrow(() -> new IllegalStateException("@" + annotation.getSimpleName() + " names "
						+ components.kind() + " '" + named + "', which is not configured under " + configuredUnder
						+ "; configured: " + components.names()));
			return guard.apply(found, component);
		}, order);
	}

	@Override
	public Pointcut getPointcut() {
		return this.pointcut;
	}

	@Override
	public Advice getAdvice() {
		return this.advice;
	}

}
