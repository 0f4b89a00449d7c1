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

	/**
	 * A SpEL expression whose value (as a string) is the key of this call: each key gets
	 * permits of its own (the bulkhead's {@code forKey}), with the bulkhead's settings.
	 * Empty, the default, means one permits for every call. The expression sees the
	 * method's arguments by name ({@code #userId}, when compiled with
	 * {@code -parameters}) or position ({@code #p0}, {@code #a0}), the bean as its root
	 * object ({@code #root} and its methods and properties), and other beans as
	 * {@code @name}. Its syntax is checked when the application starts; a value of
	 * {@code null} refuses the call with an {@code IllegalArgumentException}.
	 */
	String key() default "";

}
