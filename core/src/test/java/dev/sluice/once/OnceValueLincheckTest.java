package dev.sluice.once;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

/**
 * Model checking and stress testing of {@link OnceValue} with Lincheck, under each
 * failure policy, with an initialiser that fails on a pattern: its first two attempts
 * throw, the third and later return their attempt number. Operations: {@code get} and
 * {@code isDone}.
 *
 * <p>
 * The sequential model, {@link Model}: under {@code KEEP} the first {@code get} makes the
 * one attempt and every later {@code get} returns or throws what it did; under
 * {@code RETRY} each {@code get} before a success makes a new attempt, and once one
 * succeeds its value is returned from then on. {@code isDone} is whether an outcome is
 * kept.
 *
 * <p>
 * One documented behaviour has no sequential counterpart: under {@code RETRY}, a thread
 * that was waiting for another thread's attempt gets that attempt's failure. The
 * {@code get} operation tells such a shared failure by the thread that threw it, checks
 * that it is not older than the last failure when the call began (a stale failure would
 * be a defect, and is returned as a result no model gives), and asks again, so that its
 * result is its own attempt or the value. The invariant checked after each scenario part:
 * the initialiser never runs on two threads at once, and under {@code KEEP} it runs at
 * most once.
 *
 * <p>
 * Time budget: about 9s for the class on 2 cores. The stress runs use two threads: more
 * threads than cores make Lincheck's spinning threads wait out each other's time slices,
 * ten times slower.
 */
class OnceValueLincheckTest {

	@Test
	void keepModelChecking() {
		modelChecking().sequentialSpecification(KeepModel.class).check(Keep.class);
	}

	@Test
	void keepStress() {
		stress().sequentialSpecification(KeepModel.class).check(Keep.class);
	}

	@Test
	void retryModelChecking() {
		modelChecking().sequentialSpecification(RetryModel.class).check(Retry.class);
	}

	@Test
	void retryStress() {
		stress().sequentialSpecification(RetryModel.class).check(Retry.class);
	}

	private static ModelCheckingOptions modelChecking() {
		return new ModelCheckingOptions().iterations(10)
			.invocationsPerIteration(60)
			.threads(3)
			.actorsPerThread(2)
			.actorsBefore(1)
			.actorsAfter(1);
	}

	private static StressOptions stress() {
		return new StressOptions().iterations(10)
			.invocationsPerIteration(300)
			.threads(2)
			.actorsPerThread(3)
			.actorsBefore(1)
			.actorsAfter(1);
	}

	/** The pattern: the first two attempts fail. */
	static boolean fails(int attempt) {
		return attempt <= 2;
	}

	/**
	 * A failure of the initialiser, which knows its attempt and the thread that made it.
	 */
	static final class AttemptFailed extends RuntimeException {

		private static final long serialVersionUID = 1L;

		final int attempt;

		final transient Thread thread = Thread.currentThread();

		AttemptFailed(int attempt) {
			super("attempt " + attempt + " failed", null, false, false);
			this.attempt = attempt;
		}

	}

	/** A lazy value with a counting initialiser. */
	public abstract static class Target {

		private final AtomicInteger attempts = new AtomicInteger();

		private final AtomicInteger lastFailed = new AtomicInteger();

		private final AtomicInteger running = new AtomicInteger();

		private final AtomicBoolean overlapped = new AtomicBoolean();

		private final OnceValue.OnFailure onFailure;

		final OnceValue<Integer> lazy;

		Target(OnceValue.OnFailure onFailure) {
			this.onFailure = onFailure;
			this.lazy = OnceValue.of(this::initialise, onFailure);
		}

		private Integer initialise() {
			if (this.running.incrementAndGet() != 1) {
				this.overlapped.set(true);
			}
			try {
				int attempt = this.attempts.incrementAndGet();
				if (fails(attempt)) {
					this.lastFailed.set(attempt);
					throw new AttemptFailed(attempt);
				}
				return attempt;
			}
			finally {
				this.running.decrementAndGet();
			}
		}

		@Operation
		public String get() {
			while (true) {
				int lastFailed = this.lastFailed.get();
				try {
					return "value " + this.lazy.get();
				}
				catch (AttemptFailed ex) {
					if (this.onFailure == OnceValue.OnFailure.KEEP || ex.thread == Thread.currentThread()) {
						return "failed " + ex.attempt;
					}
					if (ex.attempt < lastFailed) {
						return "stale failure " + ex.attempt + ", attempt " + lastFailed + " had failed before";
					}
					// the failure of an attempt this call waited for: ask again
				}
			}
		}

		@Operation
		public boolean isDone() {
			return this.lazy.isDone();
		}

		@Validate
		public void initialiserRanAloneAndAsOftenAsAllowed() {
			if (this.overlapped.get()) {
				throw new IllegalStateException("the initialiser ran on two threads at once");
			}
			if (this.onFailure == OnceValue.OnFailure.KEEP && this.attempts.get() > 1) {
				throw new IllegalStateException("KEEP ran the initialiser " + this.attempts.get() + " times");
			}
		}

	}

	public static class Keep extends Target {

		public Keep() {
			super(OnceValue.OnFailure.KEEP);
		}

	}

	public static class Retry extends Target {

		public Retry() {
			super(OnceValue.OnFailure.RETRY);
		}

	}

	/** Attempts in sequence, with what a policy keeps of them. */
	public abstract static class Model {

		private int attempts;

		String kept;

		abstract boolean keepsFailures();

		public String get() {
			if (this.kept != null) {
				return this.kept;
			}
			this.attempts++;
			String outcome = (fails(this.attempts) ? "failed " : "value ") + this.attempts;
			if (!fails(this.attempts) || keepsFailures()) {
				this.kept = outcome;
			}
			return outcome;
		}

		public boolean isDone() {
			return this.kept != null;
		}

	}

	public static class KeepModel extends Model {

		@Override
		boolean keepsFailures() {
			return true;
		}

	}

	public static class RetryModel extends Model {

		@Override
		boolean keepsFailures() {
			return false;
		}

	}

}
