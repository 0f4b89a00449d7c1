package dev.sluice.autoconfigure.diagnostics;

import dev.sluice.autoconfigure.guard.GuardConfigurationException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a guard annotation ({@code @RateLimited}, {@code @Bulkheaded}) that names a
 * component that is not configured, or a fallback method that does not fit.
 */
class GuardConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<GuardConfigurationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, GuardConfigurationException cause) {
		String bean = cause.bean();
		return new FailureAnalysis(cause.annotation() + " on " + cause.method()
				+ ((bean != null) ? " (bean '" + bean + "')" : "") + "\n" + cause.problem() + ".", cause.action() + ".",
				cause);
	}

}
