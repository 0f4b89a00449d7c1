package dev.sluice.autoconfigure;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.annotation.AnnotationAwareOrderComparator;
import org.springframework.core.env.Environment;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.support.SpringFactoriesLoader;

/** What Spring Boot prints when start-up fails, for tests of start-up failures. */
public final class StartupFailures {

	private StartupFailures() {
	}

	/**
	 * The description and action of the failure analysis Spring Boot would print, through
	 * the analyzers registered in {@code spring.factories}, in Boot's order.
	 * @throws AssertionError if no analyzer explains the failure
	 */
	public static String analyze(Throwable failure) {
		var analyzers = SpringFactoriesLoader.forDefaultResourceLocation()
			.load(FailureAnalyzer.class,
					SpringFactoriesLoader.ArgumentResolver.of(BeanFactory.class, new DefaultListableBeanFactory())
						.and(Environment.class, new StandardEnvironment()),
					// analyzers for technologies absent from this classpath cannot load;
					// Boot skips them too
					SpringFactoriesLoader.FailureHandler.handleMessage((message, ex) -> {
					}));
		AnnotationAwareOrderComparator.sort(analyzers);
		for (FailureAnalyzer analyzer : analyzers) {
			FailureAnalysis analysis = analyzer.analyze(failure);
			if (analysis != null) {
				return analysis.getDescription() + "\n" + analysis.getAction();
			}
		}
		throw new AssertionError("No failure analyzer explained " + failure, failure);
	}

}
