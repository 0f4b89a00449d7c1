package dev.sluice.autoconfigure.diagnostics;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.Order;

/**
 * Explains a {@code sluice.*} property whose value cannot be converted (an unknown enum
 * value, a duration that is not a duration, a number that is not a number) by naming the
 * property and what it allows. It runs before Spring Boot's general bind analyzer, which
 * does not say what a duration must look like. Values that convert but are out of range
 * are reported by Spring Boot's analyzer of
 * {@code InvalidConfigurationPropertyValueException}.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
class SluiceBindFailureAnalyzer extends AbstractFailureAnalyzer<BindException> {

	@Override
	protected @Nullable FailureAnalysis analyze(Throwable rootFailure, BindException cause) {
		ConfigurationProperty property = cause.getProperty();
		String name = (property != null) ? property.getName().toString() : cause.getName().toString();
		if (!name.startsWith("sluice.")) {
			return null;
		}
		String allowed = allowed(cause.getTarget().getType());
		StringBuilder description = new StringBuilder();
		description.append("Invalid value for configuration property '").append(name).append("'");
		if (property != null) {
			description.append(": '").append(property.getValue()).append("'");
			if (property.getOrigin() != null) {
				description.append(" (from ").append(property.getOrigin()).append(")");
			}
		}
		description.append(".\n\nAllowed: ").append(allowed).append('.');
		return new FailureAnalysis(description.toString(),
				"Update '" + name + "' in your application's configuration to " + allowed + ".", cause);
	}

	static String allowed(ResolvableType type) {
		Class<?> target = type.resolve(Object.class);
		if (target.isEnum()) {
			return "one of " + Arrays.stream(target.getEnumConstants())
				.map((constant) -> ((Enum<?>) constant).name().toLowerCase(Locale.ROOT).replace('_', '-'))
				.collect(Collectors.joining(", "));
		}
		if (Duration.class.equals(target)) {
			return "a duration such as 500ms, 10s, 1m or PT30S";
		}
		if (Integer.class.equals(target) || int.class.equals(target)) {
			return "a whole number from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE;
		}
		if (Long.class.equals(target) || long.class.equals(target)) {
			return "a whole number from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE;
		}
		return "a value of type " + target.getSimpleName();
	}

}
