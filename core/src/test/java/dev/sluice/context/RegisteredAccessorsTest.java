package dev.sluice.context;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import dev.sluice.pool.PoolConfig;
import dev.sluice.pool.WorkerPool;
import dev.sluice.timeout.Deadline;
import dev.sluice.timeout.Timeout;
import io.micrometer.context.ContextRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What travels is what the global {@link ContextRegistry} lists at each capture, and a
 * restore that fails half-way leaves the thread as it was. Each test registers accessors
 * of its own under keys of its own and removes them after. (No method here hands the
 * library a type of its own: discovery in the surefire execution without it must still
 * load the class.)
 */
class RegisteredAccessorsTest {

	private final Queue<String> calls = new ConcurrentLinkedQueue<>();

	private final ContextRegistry global = ContextRegistry.getInstance();

	@AfterEach
	void unregister() {
		this.global.removeThreadLocalAccessor("test.late");
		this.global.removeThreadLocalAccessor("test.failing");
		this.global.removeThreadLocalAccessor("test.before");
	}

	@Test
	void anAccessorRegisteredAfterTheFirstCaptureTravelsFromTheNextOne() throws Exception {
		try (WorkerPool pool = WorkerPool.create("late", PoolConfig.defaults().withWorkers(1))) {
			RecordingAccessor late = new RecordingAccessor("test.late", this.calls);
			late.local.set("submitter");
			assertThat(pool.submit(late.local::get).get(10, TimeUnit.SECONDS)).as("not registered yet").isNull();
			late.registerWith(this.global);
			assertThat(pool.submit(late.local::get).get(10, TimeUnit.SECONDS)).isEqualTo("submitter");
			late.local.remove();
			assertThat(pool.submit(late.local::get).get(10, TimeUnit.SECONDS)).as("nothing left on the worker")
				.isNull();
			late.local.set("again");
			this.global.removeThreadLocalAccessor("test.late");
			assertThat(pool.submit(late.local::get).get(10, TimeUnit.SECONDS)).as("unregistered").isNull();
		}
	}

	@Test
	void aRestoreThatFailsPutsBackTheValuesAndTheDeadlineAndPropagates() throws Exception {
		RecordingAccessor before = new RecordingAccessor("test.before", this.calls);
		RecordingAccessor failing = new RecordingAccessor("test.failing", this.calls);
		before.registerWith(this.global);
		failing.registerWith(this.global);
		before.local.set("b");
		failing.local.set("f");
		CapturedContext captured = Timeout.call(Duration.ofMinutes(1), CapturedContext::capture);
		before.local.set("own");
		failing.local.remove();
		failing.failSet = true;
		assertThatThrownBy(captured::restore).isInstanceOf(IllegalStateException.class)
			.hasMessage("test.failing.setValue failed");
		assertThat(before.local.get()).isEqualTo("own");
		assertThat(Deadline.current()).isEmpty();
		failing.failSet = false;
		try (CapturedContext.Scope scope = captured.restore()) {
			assertThat(before.local.get()).isEqualTo("b");
			assertThat(failing.local.get()).isEqualTo("f");
			assertThat(Deadline.current()).isPresent();
		}
		assertThat(before.local.get()).isEqualTo("own");
		assertThat(failing.local.get()).isNull();
		assertThat(Deadline.current()).isEmpty();
		before.local.remove();
	}

	@Test
	void theCurrentObservationTravelsAndItsScopeIsClosedAfterTheTask() throws Exception {
		ObservationRegistry observations = ObservationRegistry.create();
		observations.observationConfig().observationHandler((context) -> true);
		try (WorkerPool pool = WorkerPool.create("observed", PoolConfig.defaults().withWorkers(1))) {
			Observation request = Observation.start("request", observations);
			try (Observation.Scope scope = request.openScope()) {
				assertThat(pool.submit(observations::getCurrentObservation).get(10, TimeUnit.SECONDS))
					.isSameAs(request);
			}
			finally {
				request.stop();
			}
			assertThat(pool
				.submit(() -> observations.getCurrentObservation() + " " + observations.getCurrentObservationScope())
				.get(10, TimeUnit.SECONDS)).isEqualTo("null null");
			// on a thread with an observation of its own, that one is current again after
			Observation own = Observation.start("own", observations);
			Observation other = Observation.start("other", observations);
			CapturedContext captured;
			try (Observation.Scope scope = other.openScope()) {
				captured = CapturedContext.capture();
			}
			try (Observation.Scope ownScope = own.openScope()) {
				try (CapturedContext.Scope restored = captured.restore()) {
					assertThat(observations.getCurrentObservation()).isSameAs(other);
				}
				assertThat(observations.getCurrentObservation()).isSameAs(own);
				assertThat(observations.getCurrentObservationScope()).isSameAs(ownScope);
			}
			assertThat(observations.getCurrentObservation()).isNull();
			own.stop();
			other.stop();
		}
	}

}
