package dev.sluice.autoconfigure.config;

import java.util.Map;
import java.util.TreeMap;

/**
 * The application sets {@code sluice.*} keys that are not Sluice settings. Explained at
 * start-up by {@code UnknownSettingsFailureAnalyzer}.
 */
public class UnknownSettingsException extends IllegalStateException {

	private static final long serialVersionUID = 1L;

	private final transient Map<String, String> keys;

	/**
	 * @param keys each unknown key, and the closest known one ({@code null} if none is
	 * close)
	 */
	public UnknownSettingsException(Map<String, String> keys) {
		super("Unknown Sluice settings: " + keys.keySet());
		this.keys = new TreeMap<>();
		keys.forEach((key, suggestion) -> this.keys.put(key, (suggestion != null) ? suggestion : ""));
	}

	/** Each unknown key, and the closest known one (empty if none is close). */
	public Map<String, String> keys() {
		return this.keys;
	}

}
