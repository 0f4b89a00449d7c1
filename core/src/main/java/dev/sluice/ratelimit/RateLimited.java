package dev.sluice.ratelimit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Calls the annotated method (or every public method of the annotated class) only after
 * taking one permit of the named {@link RateLimiter}, waiting up to its timeout. Without
 * a permit the method is not called and a {@link RateLimitExceededException} is thrown;
 * in a Spring MVC application that becomes a 429 problem response with a
 * {@code Retry-After} header. Takes effect on Spring beans through Sluice's
 * auto-configuration.
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
