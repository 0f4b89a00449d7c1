package dev.sluice.autoconfigure.diagnostics;

import dev.sluice.autoconfigure.config.ShadowedComponentException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a bean of the application's own that has the name of a configured Sluice
 * component.
 */
class ShadowedComponentFailureAnalyzer extends AbstractFailureAnalyzer<ShadowedComponentException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, ShadowedComponentException cause) {
		return new FailureAnalysis(
				"The bean named '" + cause.name() + "' is a " + cause.beanType() + ", but '" + cause.name()
						+ "' is also the " + cause.kind() + " configured under " + cause.property()
						+ ": a name cannot stand for both.",
				"Rename your bean, or the " + cause.kind() + " (" + cause.property() + "). To replace the "
						+ cause.kind() + " with your own, define a bean of its type under that name instead.",
				cause);
	}

}
