package dev.sluice.once;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

/**
 * Model checking and stress testing of {@link SingleFlight} with Lincheck. The operation
 * is {@code get} of keys 1 to 3 with a loader that returns a value made from the key,
 * except for key 3, whose loader throws {@link IllegalStateException}.
 *
 * <p>
 * The sequential model, {@link Model}: {@code get} returns the loader's value, or throws
 * what the loader threw, as it was thrown (a caller that shares another's run must not
 * see it wrapped). The invariants checked after each scenario part: the loader never runs
 * twice at once for one key (the point of a single flight), and no key is left in flight
 * once every call has returned.
 *
 * <p>
 * Time budget: about 5s for the class on 2 cores. The stress runs use two threads: more
 * threads than cores make Lincheck's spinning threads wait out each other's time slices,
 * ten times slower.
 */
class SingleFlightLincheckTest {

	@Test
	void modelChecking() {
		new ModelCheckingOptions().iterations(8)
			.invocationsPerIteration(40)
			.threads(3)
			.actorsPerThread(2)
			.actorsBefore(1)
			.actorsAfter(1)
			.sequentialSpecification(Model.class)
			.check(Target.class);
	}

	@Test
	void stress() {
		new StressOptions().iterations(10)
			.invocationsPerIteration(300)
			.threads(2)
			.actorsPerThread(3)
			.actorsBefore(1)
			.actorsAfter(1)
			.sequentialSpecification(Model.class)
			.check(Target.class);
	}

	public static class Target {

		private final SingleFlight<Integer, String> flights = new SingleFlight<>();

		private final AtomicIntegerArray running = new AtomicIntegerArray(4);

		private final AtomicBoolean overlapped = new AtomicBoolean();

		@Operation
		public String get(@Param(gen = IntGen.class, conf = "1:3") int key) {
			try {
				return this.flights.get(key, () -> load(key));
			}
			catch (IllegalStateException ex) {
				return "failed: " + ex.getMessage();
			}
		}

		private String load(int key) {
			if (this.running.incrementAndGet(key) != 1) {
				this.overlapped.set(true);
			}
			try {
				if (key == 3) {
					throw new IllegalStateException("no value for 3");
				}
				return "value of " + key;
			}
			finally {
				this.running.decrementAndGet(key);
			}
		}

		@Validate
		public void oneRunAtOnceAndNothingLeftInFlight() {
			if (this.overlapped.get()) {
				throw new IllegalStateException("the loader ran twice at once for one key");
			}
			if (this.flights.inFlight() != 0) {
				throw new IllegalStateException(this.flights.inFlight() + " keys left in flight");
			}
		}

	}

	public static class Model {

		public String get(int key) {
			return (key == 3) ? "failed: no value for 3" : "value of " + key;
		}

	}

}
