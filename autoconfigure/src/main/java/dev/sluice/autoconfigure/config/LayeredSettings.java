package dev.sluice.autoconfigure.config;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.sluice.InvalidSettingException;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * The settings of one component, built up in layers: the settings class's own defaults,
 * then each block of configuration in turn (a kind's {@code defaults}, then, say, the
 * instance's own block), each overriding what the ones before it set. It remembers which
 * property every setting came from, so that a value the component refuses
 * ({@link InvalidSettingException}) is reported against the property the user wrote.
 *
 * @param <T> the settings class: plain data, with its defaults as field initialisers
 */
public final class LayeredSettings<T> {

	private final Binder binder;

	private final T settings;

	/**
	 * Each setting (as written in configuration) and the property it was last taken from.
	 */
	private final Map<String, String> sources = new HashMap<>();

	/**
	 * The last block bound, to which settings that no block set are attributed (a
	 * required one, say).
	 */
	private @Nullable String lastBlock;

	private LayeredSettings(Binder binder, T settings) {
		this.binder = binder;
		this.settings = settings;
	}

	/** Starts from a fresh settings object, carrying the class's own defaults. */
	public static <T> LayeredSettings<T> of(Binder binder, Supplier<T> fresh) {
		return new LayeredSettings<>(binder, fresh.get());
	}

	/** Binds the block of configuration under the prefix over what is there. */
	public LayeredSettings<T> layer(String prefix) {
		ConfigurationPropertyName block = ConfigurationPropertyName.of(prefix);
		this.lastBlock = prefix;
		this.binder.bind(block, Bindable.ofInstance(this.settings), new BindHandler() {

			@Override
			public Object onSuccess(ConfigurationPropertyName name, Bindable<?> target, BindContext context,
					Object result) {
				int depth = name.getNumberOfElements() - block.getNumberOfElements();
				if (depth == 1) {
					LayeredSettings.this.sources.put(name.getLastElement(ConfigurationPropertyName.Form.DASHED),
							name.toString());
				}
				else if (depth == 2) {
					// a setting of a nested block, such as keys.max
					LayeredSettings.this.sources
						.put(name.getElement(block.getNumberOfElements(), ConfigurationPropertyName.Form.DASHED) + "."
								+ name.getLastElement(ConfigurationPropertyName.Form.DASHED), name.toString());
				}
				return result;
			}
		});
		return this;
	}

	/**
	 * Applies a value from somewhere other than configuration (an annotation, say), if it
	 * is there.
	 * @param source how to name where it came from, in a failure
	 */
	public <V> LayeredSettings<T> apply(String setting, @Nullable V value, String source, BiConsumer<T, V> set) {
		if (value != null) {
			set.accept(this.settings, value);
			this.sources.put(setting, source);
		}
		return this;
	}

	/** The settings as the layers left them. */
	public T settings() {
		return this.settings;
	}

	/**
	 * The property a setting came from: the last block that set it, else the last
	 * block's.
	 */
	public String propertyOf(String setting) {
		return this.sources.getOrDefault(setting, this.lastBlock + "." + setting);
	}

	/**
	 * Builds the component's config from the settings.
	 * @throws InvalidConfigurationPropertyValueException naming the property of a refused
	 * value
	 */
	public <C> C build(Function<T, C> build) {
		try {
			return build.apply(this.settings);
		}
		catch (InvalidSettingException ex) {
			throw new InvalidConfigurationPropertyValueException(propertyOf(ex.setting()), ex.value(), ex.getMessage());
		}
	}

}
