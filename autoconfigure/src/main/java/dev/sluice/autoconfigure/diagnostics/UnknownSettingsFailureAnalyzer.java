package dev.sluice.autoconfigure.diagnostics;

import java.util.Map;

import dev.sluice.autoconfigure.config.UnknownSettingsException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains {@code sluice.*} keys that are not Sluice settings, with the closest known
 * key.
 */
class UnknownSettingsFailureAnalyzer extends AbstractFailureAnalyzer<UnknownSettingsException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, UnknownSettingsException cause) {
		StringBuilder description = new StringBuilder(
				"Sluice does not know these settings, so it would ignore them:\n");
		StringBuilder action = new StringBuilder();
		for (Map.Entry<String, String> key : cause.keys().entrySet()) {
			description.append("\n\t").append(key.getKey());
			if (!key.getValue().isEmpty()) {
				description.append(" (did you mean '").append(key.getValue()).append("'?)");
			}
		}
		action.append("Correct or remove them. Every setting, with what it allows, is in the configuration")
			.append(" reference (docs/configuration.md) and in your IDE's completion.");
		return new FailureAnalysis(description.toString(), action.toString(), cause);
	}

}
