package dev.sluice.autoconfigure.pool;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import dev.sluice.autoconfigure.lifecycle.LifecycleAutoConfiguration;
import dev.sluice.pool.WorkerPool;
import dev.sluice.pool.WorkerPoolRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code observe-tasks}: one {@code sluice.pool.task} observation per task, a child of
 * the submitter's current observation (carried by context propagation), only when asked
 * for and when there is an {@link ObservationRegistry} bean.
 */
class PoolTaskObservationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LifecycleAutoConfiguration.class, PoolAutoConfiguration.class))
		.withPropertyValues("sluice.pool.instances.work.workers=2");

	@Test
	void eachTaskRunsInAnObservationThatIsAChildOfTheSubmittersAndRecordsItsOutcome() {
		this.contextRunner.withUserConfiguration(Observations.class)
			.withPropertyValues("sluice.pool.instances.work.observe-tasks=true")
			.run((context) -> {
				TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
				WorkerPool work = context.getBean(WorkerPoolRegistry.class).get("work");
				Observation request = Observation.start("request", registry);
				Observation seen;
				try (Observation.Scope scope = request.openScope()) {
					seen = work.submit(registry::getCurrentObservation).get(10, TimeUnit.SECONDS);
				}
				request.stop();
				assertThat(seen).isNotNull().isNotSameAs(request);
				assertThat(seen.getContextView().getName()).isEqualTo("sluice.pool.task");
				assertThat(seen.getContextView().getParentObservation()).isSameAs(request);
				TestObservationRegistryAssert.assertThat(registry)
					.hasNumberOfObservationsWithNameEqualTo("sluice.pool.task", 1)
					.hasObservationWithNameEqualTo("sluice.pool.task")
					.that()
					.hasLowCardinalityKeyValue("sluice.pool", "work")
					.hasLowCardinalityKeyValue("outcome", "success")
					.hasParentObservationEqualTo(request)
					.hasBeenStarted()
					.hasBeenStopped();
				// the worker is left with no observation of its own
				assertThat(work.submit(() -> registry.getCurrentObservation() == seen).get(10, TimeUnit.SECONDS))
					.isFalse();
			});
	}

	@Test
	void aFailingTaskIsRecordedAsAnError() {
		this.contextRunner.withUserConfiguration(Observations.class)
			.withPropertyValues("sluice.pool.defaults.observe-tasks=true")
			.run((context) -> {
				TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
				WorkerPool work = context.getBean(WorkerPoolRegistry.class).get("work");
				IllegalStateException failure = new IllegalStateException("boom");
				assertThatThrownBy(() -> work.submit(() -> {
					throw failure;
				}).get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).hasCause(failure);
				TestObservationRegistryAssert.assertThat(registry)
					.hasSingleObservationThat()
					.hasNameEqualTo("sluice.pool.task")
					.hasLowCardinalityKeyValue("outcome", "error")
					.hasError(failure)
					.hasBeenStopped();
			});
	}

	@Test
	void aPlainRunnableHandedToExecuteIsObservedToo() {
		this.contextRunner.withUserConfiguration(Observations.class)
			.withPropertyValues("sluice.pool.instances.work.observe-tasks=true")
			.run((context) -> {
				TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
				WorkerPool work = context.getBean(WorkerPoolRegistry.class).get("work");
				AtomicReference<Observation> seen = new AtomicReference<>();
				CountDownLatch ran = new CountDownLatch(1);
				work.execute(() -> {
					seen.set(registry.getCurrentObservation());
					ran.countDown();
				});
				assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
				assertThat(seen.get()).isNotNull();
				assertThat(seen.get().getContextView().getName()).isEqualTo("sluice.pool.task");
				// the observation stops just after the body returns
				await().atMost(Duration.ofSeconds(10))
					.untilAsserted(() -> TestObservationRegistryAssert.assertThat(registry)
						.hasSingleObservationThat()
						.hasLowCardinalityKeyValue("sluice.pool", "work")
						.hasLowCardinalityKeyValue("outcome", "success")
						.hasBeenStopped());
			});
	}

	@Test
	void offByDefaultNothingIsObserved() {
		this.contextRunner.withUserConfiguration(Observations.class).run((context) -> {
			TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
			WorkerPool work = context.getBean(WorkerPoolRegistry.class).get("work");
			assertThat(work.submit(registry::getCurrentObservation).get(10, TimeUnit.SECONDS)).isNull();
			TestObservationRegistryAssert.assertThat(registry).doesNotHaveAnyObservation();
		});
	}

	@Test
	void aPoolCanTurnItOffOverTheDefaults() {
		this.contextRunner.withUserConfiguration(Observations.class)
			.withPropertyValues("sluice.pool.defaults.observe-tasks=true",
					"sluice.pool.instances.work.observe-tasks=false")
			.run((context) -> {
				TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
				WorkerPool work = context.getBean(WorkerPoolRegistry.class).get("work");
				assertThat(work.submit(() -> "ran").get(10, TimeUnit.SECONDS)).isEqualTo("ran");
				TestObservationRegistryAssert.assertThat(registry).doesNotHaveAnyObservation();
			});
	}

	@Test
	void withoutAnObservationRegistryTheTasksRunUnwrapped() {
		this.contextRunner.withPropertyValues("sluice.pool.instances.work.observe-tasks=true").run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(ObservationRegistry.class);
			WorkerPool work = context.getBean(WorkerPoolRegistry.class).get("work");
			assertThat(work.submit(() -> "ran").get(10, TimeUnit.SECONDS)).isEqualTo("ran");
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class Observations {

		@Bean
		TestObservationRegistry observationRegistry() {
			return TestObservationRegistry.create();
		}

	}

}
