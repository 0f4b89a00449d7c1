package dev.sluice.autoconfigure.guard;

import java.util.function.Supplier;

import dev.sluice.autoconfigure.web.GuardedSubscriptions;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Guards for methods that return Reactor's {@code Mono} or {@code Flux}: the permit is
 * taken when the result is subscribed to (each subscription takes one), without waiting
 * (a subscription must not block its thread), and given back exactly once when the
 * subscription completes, fails or is cancelled, before the completion or failure reaches
 * the subscriber. A refusal is an error signal, or the fallback's publisher. The permit
 * is taken with the subscriber's web request, if any, made current
 * ({@link GuardedSubscriptions}), so that a WebFlux response can tell of the rate limit.
 * Loaded only when Reactor is on the classpath.
 */
final class ReactorGuards {

	private ReactorGuards() {
	}

	/** Whether a method's return type is one this class guards. */
	static boolean guards(Class<?> returnType) {
		return returnType == Mono.class || returnType == Flux.class;
	}

	/**
	 * @param result what the guarded method returned, a {@code Mono} or {@code Flux}
	 * @param refusal the type of the component's refusals
	 * @param take takes the permit, or throws the refusal
	 * @param fallback what a refused subscription gets instead, if anything
	 */
	@SuppressWarnings("unchecked")
	static Object guard(Object result, Class<? extends RuntimeException> refusal, Supplier<Guard.Hold> take,
			GuardInterceptor.@Nullable Instead fallback) {
		if (result instanceof Mono<?>) {
			Mono<Object> mono = (Mono<Object>) result;
			return Mono.deferContextual((subscriber) -> {
				Once once;
				try {
					once = new Once(GuardedSubscriptions.taking(subscriber, take));
				}
				catch (RuntimeException ex) {
					return Mono.from(refused(ex, refusal, fallback));
				}
				return mono.doOnTerminate(once::release).doOnCancel(once::release);
			});
		}
		Flux<Object> flux = (Flux<Object>) result;
		return Flux.deferContextual((subscriber) -> {
			Once once;
			try {
				once = new Once(GuardedSubscriptions.taking(subscriber, take));
			}
			catch (RuntimeException ex) {
				return refused(ex, refusal, fallback);
			}
			return flux.doOnTerminate(once::release).doOnCancel(once::release);
		});
	}

	@SuppressWarnings("unchecked")
	private static Publisher<Object> refused(RuntimeException ex, Class<? extends RuntimeException> refusal,
			GuardInterceptor.@Nullable Instead fallback) {
		if (fallback == null || !refusal.isInstance(ex)) {
			return Mono.error(ex);
		}
		try {
			Object instead = fallback.call(ex);
			if (instead == null) {
				return Mono.error(new NullPointerException("The fallback returned null instead of a publisher"));
			}
			return (Publisher<Object>) instead;
		}
		catch (Throwable failure) {
			return Mono.error(failure);
		}
	}

}
