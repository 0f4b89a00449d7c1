package dev.sluice.autoconfigure.guard;

import java.lang.annotation.Annotation;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * What one guard annotation means: which component it names, its fallback, how the
 * component refuses and how a call takes from it.
 *
 * @param <A> the annotation
 * @param <C> the component it names
 * @param annotation the annotation, such as {@code @Bulkheaded}
 * @param name the component an annotation names
 * @param fallbackMethod the fallback method an annotation names; empty for none
 * @param refusal what the component throws when it refuses a call; a fallback may take it
 * (or a supertype) as its last parameter
 * @param configuredUnder the property under which the components are configured, such as
 * {@code sluice.bulkhead.instances}
 * @param guard how a call takes from the component
 * @param key the key expression an annotation gives; empty for one component for every
 * call
 * @param forKey the component of one key, such as {@code RateLimiter::forKey}
 */
public record GuardKind<A extends Annotation, C>(Class<A> annotation, Function<A, String> name,
		Function<A, String> fallbackMethod, Class<? extends RuntimeException> refusal, String configuredUnder,
		Guard<C> guard, Function<A, String> key, BiFunction<C, String, C> forKey) {

	public GuardKind {
		Objects.requireNonNull(annotation, "annotation");
		Objects.requireNonNull(name, "name");
		Objects.requireNonNull(fallbackMethod, "fallbackMethod");
		Objects.requireNonNull(refusal, "refusal");
		Objects.requireNonNull(configuredUnder, "configuredUnder");
		Objects.requireNonNull(guard, "guard");
		Objects.requireNonNull(key, "key");
		Objects.requireNonNull(forKey, "forKey");
	}

	/** The annotation as written in code, such as {@code @Bulkheaded}. */
	String written() {
		return "@" + this.annotation.getSimpleName();
	}

}
