package dev.sluice.autoconfigure.guard;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import dev.sluice.lifecycle.ComponentRegistry;
import dev.sluice.lifecycle.Drainable;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.core.MethodClassKey;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.expression.ParseException;
import org.springframework.util.ClassUtils;

/**
 * The advice of one guard annotation. Each guarded method is resolved once (its
 * annotation, component, fallback and how its return type is guarded), then every call
 * chooses its component and runs under it.
 *
 * @param <A> the annotation
 * @param <C> the component it names
 */
final class GuardInterceptor<A extends Annotation, C extends Drainable> implements MethodInterceptor {

	private static final boolean REACTOR_PRESENT = ClassUtils.isPresent("reactor.core.publisher.Mono",
			GuardInterceptor.class.getClassLoader());

	private final GuardKind<A, C> kind;

	private final Supplier<? extends ComponentRegistry<C>> registry;

	private final Map<MethodClassKey, Optional<Guarded<C>>> resolved = new ConcurrentHashMap<>();

	/** Evaluates key expressions; given the bean factory once there is one. */
	private volatile GuardKeys keys = new GuardKeys(null);

	GuardInterceptor(GuardKind<A, C> kind, Supplier<? extends ComponentRegistry<C>> registry) {
		this.kind = kind;
		this.registry = registry;
	}

	GuardKind<A, C> kind() {
		return this.kind;
	}

	/** Lets key expressions refer to beans ({@code @name}). */
	void useBeanFactory(@Nullable BeanFactory beanFactory) {
		this.keys = new GuardKeys(beanFactory);
	}

	@Override
	public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
		Object target = invocation.getThis();
		Class<?> targetClass = (target != null) ? ClassUtils.getUserClass(target)
				: invocation.getMethod().getDeclaringClass();
		Optional<Guarded<C>> found = this.resolved.computeIfAbsent(
				new MethodClassKey(invocation.getMethod(), targetClass),
				(key) -> Optional.ofNullable(resolve(invocation.getMethod(), targetClass)));
		if (found.isEmpty()) {
			return invocation.proceed();
		}
		Guarded<C> guarded = found.get();
		C component = choose(guarded, invocation);
		return switch (guarded.returns()) {
			case PLAIN -> plain(guarded, component, invocation);
			case STAGE -> stage(guarded, component, invocation, true);
			case STAGE_SUBTYPE -> stage(guarded, component, invocation, false);
			case REACTOR -> reactive(guarded, component, invocation);
		};
	}

	/**
	 * The component this call runs under. One step of its own, before anything is taken,
	 * so that a call can be given a component of its own (per key, say).
	 */
	private C choose(Guarded<C> guarded, MethodInvocation invocation) {
		if (guarded.key().isEmpty()) {
			return guarded.component();
		}
		return this.kind.forKey().apply(guarded.component(), this.keys.keyOf(guarded.key(), invocation));
	}

	private @Nullable Object plain(Guarded<C> guarded, C component, MethodInvocation invocation) throws Throwable {
		Guard.Hold hold;
		try {
			hold = this.kind.guard().take(component, true);
		}
		catch (RuntimeException ex) {
			return refused(guarded, invocation, ex);
		}
		try {
			return invocation.proceed();
		}
		finally {
			hold.release();
		}
	}

	/**
	 * The permit is taken now and given back when the returned stage completes. For a
	 * method declared to return {@code CompletionStage} or {@code CompletableFuture}, the
	 * caller gets a future of ours that completes just after the permit is given back, so
	 * that whoever sees the call complete sees the permit free; cancelling it cancels the
	 * method's stage.
	 */
	private @Nullable Object stage(Guarded<C> guarded, C component, MethodInvocation invocation, boolean mirror)
			throws Throwable {
		Once once;
		try {
			once = new Once(this.kind.guard().take(component, true));
		}
		catch (RuntimeException ex) {
			if (mirror && this.kind.refusal().isInstance(ex) && guarded.fallback() == null) {
				return CompletableFuture.failedFuture(ex);
			}
			return refused(guarded, invocation, ex);
		}
		Object result;
		try {
			result = invocation.proceed();
		}
		catch (Throwable ex) {
			once.release();
			throw ex;
		}
		if (result == null) {
			once.release();
			return null;
		}
		CompletionStage<?> stage = (CompletionStage<?>) result;
		if (!mirror) {
			stage.whenComplete((value, failure) -> once.release());
			return stage;
		}
		CompletableFuture<Object> seen = new CompletableFuture<>();
		stage.whenComplete((value, failure) -> {
			once.release();
			if (failure != null) {
				seen.completeExceptionally(failure);
			}
			else {
				seen.complete(value);
			}
		});
		seen.whenComplete((value, failure) -> {
			if (failure instanceof CancellationException && seen.isCancelled()) {
				once.release();
				cancel(stage);
			}
		});
		return seen;
	}

	private static void cancel(CompletionStage<?> stage) {
		try {
			stage.toCompletableFuture().cancel(true);
		}
		catch (UnsupportedOperationException ex) {
			// a stage that cannot be cancelled from outside runs to its end; its permit
			// is
			// already back
		}
	}

	private @Nullable Object reactive(Guarded<C> guarded, C component, MethodInvocation invocation) throws Throwable {
		Object result = invocation.proceed();
		if (result == null) {
			return null;
		}
		Object target = invocation.getThis();
		@Nullable Object[] arguments = invocation.getArguments().clone();
		Fallback fallback = guarded.fallback();
		return ReactorGuards.guard(result, this.kind.refusal(), () -> this.kind.guard().take(component, false),
				(fallback != null) ? (refusal) -> fallback.invoke(target, arguments, refusal) : null);
	}

	/**
	 * A refused call: the fallback's answer if there is one and the exception is the
	 * component's refusal, else the exception.
	 */
	private @Nullable Object refused(Guarded<C> guarded, MethodInvocation invocation, RuntimeException ex)
			throws Throwable {
		Fallback fallback = guarded.fallback();
		if (fallback == null || !this.kind.refusal().isInstance(ex)) {
			throw ex;
		}
		return fallback.invoke(invocation.getThis(), invocation.getArguments(), ex);
	}

	/**
	 * What a method's annotation asks for, or {@code null} if it carries none (nor does
	 * its class).
	 * @throws GuardConfigurationException if it names a component that is not configured,
	 * or a fallback that does not fit
	 */
	@Nullable Guarded<C> resolve(Method method, Class<?> targetClass) {
		Method specific = AopUtils.getMostSpecificMethod(method, targetClass);
		Class<A> type = this.kind.annotation();
		A found = AnnotatedElementUtils.findMergedAnnotation(specific, type);
		boolean onClass = false;
		if (found == null) {
			onClass = true;
			found = AnnotatedElementUtils.findMergedAnnotation(targetClass, type);
			if (found == null) {
				found = AnnotatedElementUtils.findMergedAnnotation(specific.getDeclaringClass(), type);
			}
		}
		if (found == null) {
			return null;
		}
		String where = GuardConfigurationException.describe(targetClass, specific);
		ComponentRegistry<C> components = this.registry.get();
		String name = this.kind.name().apply(found);
		C component = components.find(name)
			.orElseThrow(() -> new GuardConfigurationException(this.kind.written(), where, null,
					"names " + components.kind() + " '" + name + "', which is not configured under "
							+ this.kind.configuredUnder() + "; configured: "
							+ (components.names().isEmpty() ? "none" : String.join(", ", components.names())),
					"Configure it under " + this.kind.configuredUnder() + "." + name
							+ (components.names().isEmpty() ? "" : ", or name one that is configured")));
		String fallbackName = this.kind.fallbackMethod().apply(found);
		Fallback fallback = null;
		if (!fallbackName.isEmpty()) {
			if (onClass) {
				throw new GuardConfigurationException(this.kind.written(), where, null,
						"is on the class with fallbackMethod '" + fallbackName
								+ "', which one fallback cannot serve for every method",
						"Move fallbackMethod to the annotation of each method that needs one");
			}
			fallback = Fallback.resolve(this.kind, specific, targetClass, fallbackName);
		}
		String key = this.kind.key().apply(found);
		if (!key.isEmpty()) {
			try {
				this.keys.parse(key);
			}
			catch (ParseException ex) {
				throw new GuardConfigurationException(this.kind.written(), where, null,
						"has a key expression that is not valid SpEL: '" + key + "': " + ex.getMessage(),
						"Correct the key expression");
			}
		}
		return new Guarded<>(component, fallback, Returns.of(specific.getReturnType()), key);
	}

	/** How a method's result is guarded, by its declared return type. */
	enum Returns {

		/** Held while the method runs. */
		PLAIN,

		/**
		 * {@code CompletionStage} or {@code CompletableFuture}: held until the stage
		 * completes; the caller gets a future of ours.
		 */
		STAGE,

		/**
		 * Another {@code CompletionStage} type: held until the stage completes; the
		 * caller gets the method's own stage, and a refusal is thrown.
		 */
		STAGE_SUBTYPE,

		/** {@code Mono} or {@code Flux}: held for each subscription. */
		REACTOR;

		static Returns of(Class<?> type) {
			if (type == CompletionStage.class || type == CompletableFuture.class) {
				return STAGE;
			}
			if (CompletionStage.class.isAssignableFrom(type)) {
				return STAGE_SUBTYPE;
			}
			if (REACTOR_PRESENT && ReactorGuards.guards(type)) {
				return REACTOR;
			}
			return PLAIN;
		}

	}

	/**
	 * A fallback called for a refusal. (Reactor's types stay out of this class, which
	 * must load without Reactor.)
	 */
	@FunctionalInterface
	interface Instead {

		@Nullable Object call(RuntimeException refusal) throws Throwable;

	}

	/** A guarded method, resolved. */
	record Guarded<C>(C component, @Nullable Fallback fallback, Returns returns, String key) {
	}

}
