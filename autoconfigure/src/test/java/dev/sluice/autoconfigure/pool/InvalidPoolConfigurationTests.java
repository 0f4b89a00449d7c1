package dev.sluice.autoconfigure.pool;

import dev.sluice.autoconfigure.StartupFailures;
import dev.sluice.autoconfigure.bulkhead.BulkheadAutoConfiguration;
import dev.sluice.autoconfigure.lifecycle.LifecycleAutoConfiguration;
import dev.sluice.autoconfigure.ratelimit.RateLimiterAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every invalid pool setting stops start-up, and the failure analysis that Spring Boot
 * prints names the property and what it allows.
 */
class InvalidPoolConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LifecycleAutoConfiguration.class, PoolAutoConfiguration.class,
				BulkheadAutoConfiguration.class, RateLimiterAutoConfiguration.class));

	@Test
	void zeroWorkersFailsStartUp() {
		assertAnalysis("sluice.pool.instances.orders.workers=0", "sluice.pool.instances.orders.workers",
				"between 1 and 32767");
	}

	@Test
	void negativeWorkersFailsStartUp() {
		assertAnalysis("sluice.pool.instances.orders.workers=-3", "sluice.pool.instances.orders.workers",
				"between 1 and 32767");
	}

	@Test
	void zeroWorkersInTheDefaultsFailsStartUpNamingTheDefault() {
		this.contextRunner
			.withPropertyValues("sluice.pool.defaults.workers=0", "sluice.pool.instances.orders.queue-capacity=3")
			.run((context) -> assertThat(analyze(context.getStartupFailure())).contains("sluice.pool.defaults.workers")
				.contains("between 1 and 32767"));
	}

	@Test
	void negativeQueueCapacityFailsStartUp() {
		assertAnalysis("sluice.pool.instances.orders.queue-capacity=-1", "sluice.pool.instances.orders.queue-capacity",
				"0 or more");
	}

	@Test
	void unknownOverflowPolicyFailsStartUp() {
		assertAnalysis("sluice.pool.instances.orders.overflow=sideways", "sluice.pool.instances.orders.overflow",
				"one of block, reject, caller-runs");
	}

	@Test
	void unknownThreadKindFailsStartUp() {
		assertAnalysis("sluice.pool.instances.orders.threads=green", "sluice.pool.instances.orders.threads",
				"one of platform, virtual");
	}

	@Test
	void submitTimeoutThatIsNotADurationFailsStartUp() {
		assertAnalysis("sluice.pool.instances.orders.submit-timeout=ten apples",
				"sluice.pool.instances.orders.submit-timeout", "a duration such as 500ms");
	}

	@Test
	void negativeSubmitTimeoutFailsStartUp() {
		assertAnalysis("sluice.pool.instances.orders.submit-timeout=-1s", "sluice.pool.instances.orders.submit-timeout",
				"zero or more");
	}

	@Test
	void workersThatIsNotANumberFailsStartUp() {
		assertAnalysis("sluice.pool.instances.orders.workers=many", "sluice.pool.instances.orders.workers",
				"a whole number");
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
		assertAnalysis("sluice.bulkhead.instances.db.permits=0", "sluice.bulkhead.instances.db.permits", "at least 1");
	}

	@Test
	void semaphoreAcquireTimeoutThatIsNotADurationFailsStartUp() {
		assertAnalysis("sluice.bulkhead.instances.db.acquire-timeout=soon",
				"sluice.bulkhead.instances.db.acquire-timeout", "a duration such as");
	}

	@Test
	void rateLimiterWithoutARateFailsStartUp() {
		assertAnalysis("sluice.rate-limiter.instances.api.burst=5", "sluice.rate-limiter.instances.api.rate",
				"rate must be set");
	}

	@Test
	void zeroRateFailsStartUp() {
		assertAnalysis("sluice.rate-limiter.instances.api.rate=0", "sluice.rate-limiter.instances.api.rate",
				"at least 1");
	}

	@Test
	void zeroPeriodFailsStartUp() {
		this.contextRunner
			.withPropertyValues("sluice.rate-limiter.instances.api.rate=5", "sluice.rate-limiter.instances.api.per=0s")
			.run((context) -> assertThat(analyze(context.getStartupFailure()))
				.contains("'sluice.rate-limiter.instances.api.per'")
				.contains("positive duration"));
	}

	@Test
	void zeroBurstFailsStartUp() {
		this.contextRunner
			.withPropertyValues("sluice.rate-limiter.instances.api.rate=5", "sluice.rate-limiter.instances.api.burst=0")
			.run((context) -> assertThat(analyze(context.getStartupFailure()))
				.contains("'sluice.rate-limiter.instances.api.burst'")
				.contains("at least 1"));
	}

	@Test
	void negativeRateLimiterTimeoutFailsStartUp() {
		this.contextRunner
			.withPropertyValues("sluice.rate-limiter.instances.api.rate=5",
					"sluice.rate-limiter.instances.api.timeout=-1s")
			.run((context) -> assertThat(analyze(context.getStartupFailure()))
				.contains("'sluice.rate-limiter.instances.api.timeout'")
				.contains("zero or more"));
	}

	private void assertAnalysis(String property, String name, String allowed) {
		this.contextRunner.withPropertyValues(property).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(analyze(context.getStartupFailure())).contains("'" + name + "'").contains(allowed);
		});
	}

	private static String analyze(Throwable failure) {
		return StartupFailures.analyze(failure);
	}

}
