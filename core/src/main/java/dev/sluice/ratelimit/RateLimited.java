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

}
