package dev.sluice.bulkhead;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the annotated method (or every public method of the annotated class) while holding
 * one permit of the named {@link Bulkhead}, waiting up to its acquire timeout. Without a
 * permit the method is not called and a {@link BulkheadException} is thrown; in a Spring
 * MVC application that becomes a 503 problem response. Takes effect on Spring beans
 * through Sluice's auto-configuration.
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Bulkheaded {

	/** Name of the bulkhead, as configured under {@code sluice.bulkhead.instances}. */
	String value();

}
