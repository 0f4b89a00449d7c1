package dev.sluice.autoconfigure.guard;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Function;

import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;

/**
 * The key expressions of guard annotations ({@code @RateLimited(key = ...)},
 * {@code @Bulkheaded(key = ...)}): SpEL over the method's arguments ({@code #name},
 * {@code #p0}, {@code #a0}), with the bean as root object and other beans as
 * {@code @name}, as Spring's cache annotations have it. Each expression is parsed once.
 * Thread-safe.
 */
public final class GuardKeys {

	private final SpelExpressionParser parser = new SpelExpressionParser();

	private final ParameterNameDiscoverer parameterNames = new DefaultParameterNameDiscoverer();

	private final Map<String, Expression> parsed = new ConcurrentHashMap<>();

	private final @Nullable BeanFactory beanFactory;

	/**
	 * @param beanFactory for references to beans ({@code @name}); {@code null} for none
	 */
	public GuardKeys(@Nullable BeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	/**
	 * Parses an expression, as the start-up check does.
	 * @throws ParseException if its syntax is wrong
	 */
	public Expression parse(String expression) {
		Expression found = this.parsed.get(expression);
		if (found == null) {
			found = this.parser.parseExpression(expression);
			this.parsed.put(expression, found);
		}
		return found;
	}

	/**
	 * How a guard chooses the component of one call: the component itself when the
	 * expression is empty, else the component of the call's key.
	 * @param forKey the component of a key, such as {@code RateLimiter::forKey}
	 */
	public <C> Function<MethodInvocation, C> chooser(C component, String expression, BiFunction<C, String, C> forKey) {
		if (expression.isEmpty()) {
			return (invocation) -> component;
		}
		parse(expression);
		return (invocation) -> forKey.apply(component, keyOf(expression, invocation));
	}

	/**
	 * The key of one call: the expression's value as a string.
	 * @throws IllegalArgumentException if the value is {@code null}
	 */
	public String keyOf(String expression, MethodInvocation invocation) {
		Object target = invocation.getThis();
		Method method = (target != null) ? AopUtils.getMostSpecificMethod(invocation.getMethod(), target.getClass())
				: invocation.getMethod();
		MethodBasedEvaluationContext context = new MethodBasedEvaluationContext(target, method,
				invocation.getArguments(), this.parameterNames);
		if (this.beanFactory != null) {
			context.setBeanResolver(new BeanFactoryResolver(this.beanFactory));
		}
		Object key = parse(expression).getValue(context);
		if (key == null) {
			throw new IllegalArgumentException("The key expression '" + expression + "' of "
					+ method.getDeclaringClass().getSimpleName() + "." + method.getName() + " gave null");
		}
		return key.toString();
	}

}
