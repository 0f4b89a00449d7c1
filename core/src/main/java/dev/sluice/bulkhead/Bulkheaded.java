package dev.sluice.bulkhead;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the annotated method (or every public method of the annotated class) while holding
 * one permit of the named {@link Bulkhead}, waiting up to its acquire timeout. Without a
 * permit the method is not called and a {@link BulkheadException} is thrown (or the
 * {@link #fallbackMethod() fallback} is called); in a Spring MVC application that becomes
 * a 503 problem response. Takes effect on Spring beans through Sluice's
 * auto-configuration, for calls that go through the bean's proxy: a call from the bean to
 * itself, and private, final or static methods, are not guarded.
 *
 * <p>
 * The permit is held as long as the work the method starts:
 * <ul>
 * <li>a method declared to return a {@code CompletionStage} or {@code CompletableFuture}
 * holds it until the stage completes, normally, exceptionally or cancelled (at once if
 * the method throws or returns {@code null}); the caller gets a {@code CompletableFuture}
 * that completes as the method's stage does, just after the permit is given back, and
 * cancelling it cancels the method's stage. A refusal is a stage failed with the
 * exception, not a throw.</li>
 * <li>a method returning Reactor's {@code Mono} or {@code Flux} takes the permit when the
 * result is subscribed to (each subscription takes one), without waiting, and gives it
 * back exactly once when the subscription completes, fails or is cancelled. A refusal is
 * an error signal.</li>
 * <li>any other method holds it while it runs.</li>
 * </ul>
 *
 * <p>
 * A name that is not configured, or a fallback that does not fit, stops the application
 * at start-up.
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Bulkheaded {

	/** Name of the bulkhead, as configured under {@code sluice.bulkhead.instances}. */
	String value();

	/**
	 * Name of a method of the same class to call instead when the bulkhead refuses the
	 * call; empty (the default) for none. It takes the annotated method's parameters,
	 * optionally followed by one for the refusal ({@link BulkheadException} or a
	 * supertype), and returns what the annotated method returns (for a
	 * {@code CompletableFuture}, {@code Mono} or {@code Flux}, that type too). It is
	 * called on refusals only (no permit in time, the bulkhead shut down, the wait
	 * interrupted), never for the method's own exceptions; it runs without a permit. Only
	 * on methods: on a class it stops start-up.
	 */
	String fallbackMethod() default "";

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
