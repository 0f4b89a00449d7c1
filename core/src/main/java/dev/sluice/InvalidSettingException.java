package dev.sluice;

import org.jspecify.annotations.Nullable;

/**
 * A setting of a Sluice component that is not allowed: thrown when a config is built,
 * before anything runs. It names the setting as it is written in configuration
 * ({@code workers}, {@code queue-capacity}), carries the value, and its message says what
 * is allowed, so that the Spring side can name the full property without reading the
 * message.
 */
public class InvalidSettingException extends IllegalArgumentException {

	private static final long serialVersionUID = 1L;

	private final String setting;

	private final transient @Nullable Object value;

	/**
	 * A refused setting.
	 * @param setting the setting's name as written in configuration, such as
	 * {@code queue-capacity}
	 * @param value the value refused, possibly {@code null}
	 * @param message what is allowed, and what the value was
	 */
	public InvalidSettingException(String setting, @Nullable Object value, String message) {
		super(message);
		this.setting = setting;
		this.value = value;
	}

	/** The setting's name as written in configuration, such as {@code queue-capacity}. */
	public String setting() {
		return this.setting;
	}

	/** The value refused, possibly {@code null}. */
	public @Nullable Object value() {
		return this.value;
	}

}
