package dev.sluice.autoconfigure.pool;

import dev.sluice.autoconfigure.lifecycle.LifecycleAutoConfiguration;
import dev.sluice.autoconfigure.ratelimit.RateLimiterAutoConfiguration;
import dev.sluice.autoconfigure.semaphore.SemaphoreAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.Environment;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.support.SpringFactoriesLoader;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every invalid pool setting stops start-up, and the failure analysis that Spring Boot prints names
 * the property and what it allows.
 */
class InvalidPoolConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LifecycleAutoConfiguration.class, PoolAutoConfiguration.class,
				SemaphoreAutoConfiguration.class, RateLimiterAutoConfiguration.class));

	@Test
	void zeroWorkersFailsStartUp() {
		assertAnalysis("sluice.pools.orders.workers=0", "sluice.pools.orders.workers", "between 1 and 32767");
	}

	@Test
	void negativeWorkersFailsStartUp() {
		assertAnalysis("sluice.pools.orders.workers=-3", "sluice.pools.orders.workers", "between 1 and 32767");
	}

	@Test
	void zeroWorkersInTheDefaultsFailsStartUpNamingTheDefault() {
		this.contextRunner.withPropertyValues("sluice.pool-defaults.workers=0", "sluice.pools.orders.queue-capacity=3")
			.run((context) -> assertThat(analyze(context.getStartupFailure())).contains("sluice.pool-defaults.workers")
				.contains("between 1 and 32767"));
	}

	@Test
	void negativeQueueCapacityFailsStartUp() {
		assertAnalysis("sluice.pools.orders.queue-capacity=-1", "sluice.pools.orders.queue-capacity", "0 or more");
	}

	@Test
	void unknownOverflowPolicyFailsStartUp() {
		assertAnalysis("sluice.pools.orders.overflow=sideways", "sluice.pools.orders.overflow",
				"one of block, reject, caller-runs");
	}

	@Test
	void unknownThreadKindFailsStartUp() {
		assertAnalysis("sluice.pools.orders.threads=green", "sluice.pools.orders.threads", "one of platform, virtual");
	}

	@Test
	void submitTimeoutThatIsNotADurationFailsStartUp() {
		assertAnalysis("sluice.pools.orders.submit-timeout=ten apples", "sluice.pools.orders.submit-timeout",
				"a duration such as 500ms");
	}

	@Test
	void negativeSubmitTimeoutFailsStartUp() {
		assertAnalysis("sluice.pools.orders.submit-timeout=-1s", "sluice.pools.orders.submit-timeout",
				"zero or more");
	}

	@Test
	void workersThatIsNotANumberFailsStartUp() {
		assertAnalysis("sluice.pools.orders.workers=many", "sluice.pools.orders.workers", "a whole number");
	}

	@Test
	void shutdownTimeoutThatIsNotADurationFailsStartUp() {
		assertAnalysis("sluice.shutdown.timeout=soon", "sluice.shutdown.timeout", "a duration such as");
	}

	@Test
	void negativeShutdownTimeoutFailsStartUp() {
		assertAnalysis("sluice.shutdown.timeout=-5s", "sluice.shutdown.timeout", "zero or more");
	}

	@Test
	void zeroSemaphorePermitsFailsStartUp() {
		assertAnalysis("sluice.semaphores.db.permits=0", "sluice.semaphores.db.permits", "at least 1");
	}

	@Test
	void semaphoreAcquireTimeoutThatIsNotADurationFailsStartUp() {
		assertAnalysis("sluice.semaphores.db.acquire-timeout=soon", "sluice.semaphores.db.acquire-timeout",
				"a duration such as");
	}

	@Test
	void rateLimiterWithoutARateFailsStartUp() {
		assertAnalysis("sluice.rate-limiters.api.burst=5", "sluice.rate-limiters.api.rate", "rate must be set");
	}

	@Test
	void zeroRateFailsStartUp() {
		assertAnalysis("sluice.rate-limiters.api.rate=0", "sluice.rate-limiters.api.rate", "at least 1");
	}

	@Test
	void zeroPeriodFailsStartUp() {
		this.contextRunner.withPropertyValues("sluice.rate-limiters.api.rate=5", "sluice.rate-limiters.api.per=0s")
			.run((context) -> assertThat(analyze(context.getStartupFailure()))
				.contains("'sluice.rate-limiters.api.per'")
				.contains("positive duration"));
	}

	@Test
	void zeroBurstFailsStartUp() {
		this.contextRunner.withPropertyValues("sluice.rate-limiters.api.rate=5", "sluice.rate-limiters.api.burst=0")
			.run((context) -> assertThat(analyze(context.getStartupFailure()))
				.contains("'sluice.rate-limiters.api.burst'")
				.contains("at least 1"));
	}

	@Test
	void negativeRateLimiterTimeoutFailsStartUp() {
		this.contextRunner.withPropertyValues("sluice.rate-limiters.api.rate=5", "sluice.rate-limiters.api.timeout=-1s")
			.run((context) -> assertThat(analyze(context.getStartupFailure()))
				.contains("'sluice.rate-limiters.api.timeout'")
				.contains("zero or more"));
	}

	private void assertAnalysis(String property, String name, String allowed) {
		this.contextRunner.withPropertyValues(property).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(analyze(context.getStartupFailure())).contains("'" + name + "'").contains(allowed);
		});
	}

	/** What Spring Boot prints for the failure, through the analyzers registered in spring.factories. */
	private static String analyze(Throwable failure) {
		for (FailureAnalyzer analyzer : SpringFactoriesLoader.forDefaultResourceLocation()
			.load(FailureAnalyzer.class, SpringFactoriesLoader.ArgumentResolver
				.of(BeanFactory.class, new DefaultListableBeanFactory())
				.and(Environment.class, new StandardEnvironment()),
					// analyzers for technologies absent from this classpath cannot load; Boot skips them too
					SpringFactoriesLoader.FailureHandler.handleMessage((message, ex) -> {
					}))) {
			FailureAnalysis analysis = analyzer.analyze(failure);
			if (analysis != null) {
				return analysis.getDescription() + "\n" + analysis.getAction();
			}
		}
		throw new AssertionError("No failure analyzer explained " + failure);
	}
}
