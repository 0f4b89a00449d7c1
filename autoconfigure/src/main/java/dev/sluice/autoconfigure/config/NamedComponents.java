package dev.sluice.autoconfigure.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * The named components of one kind as configured, in the shape every kind shares:
 * {@code <prefix>.defaults} and {@code <prefix>.instances.<name>}, each instance starting
 * from the defaults.
 */
public final class NamedComponents {

	private NamedComponents() {
	}

	/**
	 * The config of every instance, in configuration order, built from its settings over
	 * the defaults. The defaults are checked on their own first, so that a bad default
	 * stops start-up whether or not an instance inherits it.
	 * @param prefix the kind's prefix, such as {@code sluice.pool}
	 * @param fresh a settings object carrying the class's own defaults
	 * @param build the component's config from settings; refuses bad values with
	 * {@link dev.sluice.InvalidSettingException}
	 * @throws InvalidConfigurationPropertyValueException naming the property of a refused
	 * value
	 */
	public static <T, C> Map<String, C> configs(Binder binder, String prefix, Class<T> settingsType, Supplier<T> fresh,
			Function<T, C> build) {
		return configs(binder, prefix, settingsType, fresh, build, build);
	}

	/**
	 * As {@link #configs(Binder, String, Class, Supplier, Function)}, with the defaults
	 * checked by a function of their own: for a kind whose instances must set something
	 * the defaults may leave out.
	 */
	public static <T, C> Map<String, C> configs(Binder binder, String prefix, Class<T> settingsType, Supplier<T> fresh,
			Function<T, C> build, Function<T, ?> checkDefaults) {
		LayeredSettings.of(binder, fresh).layer(prefix + ".defaults").build(checkDefaults);
		Map<String, C> configs = new LinkedHashMap<>();
		for (String name : names(binder, prefix, settingsType)) {
			configs.put(name,
					LayeredSettings.of(binder, fresh)
						.layer(prefix + ".defaults")
						.layer(instance(prefix, name))
						.build(build));
		}
		return Collections.unmodifiableMap(configs);
	}

	/**
	 * The names of the instances configured under {@code <prefix>.instances}, in order.
	 */
	public static Set<String> names(Binder binder, String prefix, Class<?> settingsType) {
		return binder.bind(prefix + ".instances", Bindable.mapOf(String.class, settingsType))
			.map(Map::keySet)
			.orElse(Set.of());
	}

	/** The block of one instance, such as {@code sluice.pool.instances.orders}. */
	public static String instance(String prefix, String name) {
		return entry(prefix + ".instances", name);
	}

	/** The property of one entry of a map property, in brackets if its key has a dot. */
	public static String entry(String map, String key) {
		return map + (key.contains(".") ? "[" + key + "]" : "." + key);
	}

}
