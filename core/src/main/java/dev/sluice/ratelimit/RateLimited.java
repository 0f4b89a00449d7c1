package dev.sluice.ratelimit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Calls the annotated method (or every public method of the annotated class) only after
 * taking one permit of the named {@link RateLimiter}, waiting up to its timeout. Without
 * a permit the method is not called and a {@link RateLimitExceededException} is thrown
 * (or the {@link #fallbackMethod() fallback} is called); in a Spring MVC application that
 * becomes a 429 problem response with a {@code Retry-After} header. Takes effect on
 * Spring beans through Sluice's auto-configuration, for calls that go through the bean's
 * proxy: a call from the bean to itself, and private, final or static methods, are not
 * limited.
 *
 * <p>
 * The permit is taken when the method is called. A method declared to return a
 * {@code CompletionStage} or {@code CompletableFuture} is refused with a stage that has
 * failed with the exception, not by a throw. A method returning Reactor's {@code Mono} or
 * {@code Flux} takes its permit when the result is subscribed to (each subscription takes
 * one), without waiting, and is refused with an error signal.
 *
 * <p>
 * A name that is not configured, or a fallback that does not fit, stops the application
 * at start-up.
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface RateLimited {

	/**
	 * Name of the rate limiter, as configured under
	 * {@code sluice.rate-limiter.instances}.
	 */
	String value();

	/**
	 * Name of a method of the same class to call instead when the limiter refuses the
	 * call; empty (the default) for none. It takes the annotated method's parameters,
	 * optionally followed by one for the refusal ({@link RateLimitExceededException} or a
	 * supertype), and returns what the annotated method returns (for a
	 * {@code CompletableFuture}, {@code Mono} or {@code Flux}, that type too). It is
	 * called on refusals only (no permit in time, the limiter shut down or its store
	 * unavailable, the wait interrupted), never for the method's own exceptions. Only on
	 * methods: on a class it stops start-up.
	 */
	String fallbackMethod() default "";

	/**
	 * A SpEL expression whose value (as a string) is the key of this call: each key gets
	 * budget of its own (the rate limiter's {@code forKey}), with the rate limiter's
	 * settings. Empty, the default, means one budget for every call. The expression sees
	 * the method's arguments by name ({@code #userId}, when compiled with
	 * {@code -parameters}) or position ({@code #p0}, {@code #a0}), the bean as its root
	 * object ({@code #root} and its methods and properties), and other beans as
	 * {@code @name}. Its syntax is checked when the application starts; a value of
	 * {@code null} refuses the call with an {@code IllegalArgumentException}.
	 */
	String key() default "";

}
