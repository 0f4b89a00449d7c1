package dev.sluice.autoconfigure.diagnostics;

import java.util.Map;
import java.util.function.Supplier;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Turns a core config's validation failure into Spring Boot's
 * {@link InvalidConfigurationPropertyValueException}, naming the full property. Core configs
 * start each message with the setting's name ("workers must be at least 1, was 0"), which is how
 * the failing setting is found.
 */
public final class ConfiguredValues {

	private ConfiguredValues() {
	}

	/**
	 * Builds a config from configured values.
	 * @param properties each setting's name (such as {@code workers}) mapped to its full property name
	 * @param values each setting's name mapped to its value
	 * @param build creates the config, throwing {@link IllegalArgumentException} for a bad value
	 * @throws InvalidConfigurationPropertyValueException naming the property of the bad value
	 */
	public static <T> T build(Map<String, String> properties, Map<String, Object> values, Supplier<T> build) {
		for (Map.Entry<String, String> property : properties.entrySet()) {
			if (values.get(property.getKey()) == null) {
				throw new InvalidConfigurationPropertyValueException(property.getValue(), null,
						property.getKey() + " must be set");
			}
		}
		try {
			return build.get();
		}
		catch (IllegalArgumentException ex) {
			String message = String.valueOf(ex.getMessage());
			String setting = message.contains(" ") ? message.substring(0, message.indexOf(' ')) : message;
			String property = properties.get(setting);
			if (property == null) {
				throw ex;
			}
			throw new InvalidConfigurationPropertyValueException(property, values.get(setting), message);
		}
	}
}
