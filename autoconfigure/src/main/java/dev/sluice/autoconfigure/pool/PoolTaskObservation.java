package dev.sluice.autoconfigure.pool;

import dev.sluice.pool.TaskObserver;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ListableBeanFactory;

/**
 * One Micrometer {@link Observation} per task of a pool ({@code observe-tasks}): named
 * {@value #NAME}, with the low-cardinality keys {@value #POOL_KEY} (the pool's name) and
 * {@value #OUTCOME_KEY} ({@code success}, or {@code error} with the failure recorded).
 * Started on the worker in the context the pool restored, so its parent is the
 * submitter's current observation, and in scope while the task runs, so what the task
 * observes is its child. The only class of the pool configuration that refers to
 * {@code io.micrometer.observation}; loaded only when a pool observes its tasks.
 */
final class PoolTaskObservation implements TaskObserver {

	static final String NAME = "sluice.pool.task";

	static final String POOL_KEY = "sluice.pool";

	static final String OUTCOME_KEY = "outcome";

	private final ObservationRegistry registry;

	private final String pool;

	private PoolTaskObservation(ObservationRegistry registry, String pool) {
		this.registry = registry;
		this.pool = pool;
	}

	/**
	 * The observer of the pool's tasks, or {@code null} when the application has no
	 * (single) {@link ObservationRegistry} bean: then nothing is wrapped.
	 */
	static @Nullable TaskObserver of(ListableBeanFactory beanFactory, String pool) {
		ObservationRegistry registry = beanFactory.getBeanProvider(ObservationRegistry.class).getIfUnique();
		return (registry != null) ? new PoolTaskObservation(registry, pool) : null;
	}

	@Override
	public Run start() {
		Observation observation = Observation.createNotStarted(NAME, this.registry)
			.lowCardinalityKeyValue(POOL_KEY, this.pool)
			.start();
		Observation.Scope scope = observation.openScope();
		return (failure) -> {
			scope.close();
			if (failure != null) {
				observation.error(failure);
			}
			observation.lowCardinalityKeyValue(OUTCOME_KEY, (failure != null) ? "error" : "success");
			observation.stop();
		};
	}

	@Override
	public String toString() {
		return "PoolTaskObservation[" + this.pool + "]";
	}

}
