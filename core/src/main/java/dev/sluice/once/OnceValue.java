package dev.sluice.once;

import java.util.Objects;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

/**
 * A value computed once, on first use, by one thread while the others wait: Go's
 * {@code sync.OnceValue}.
 *
 * <pre>{@code
 * private final OnceValue<PartnerClient> client = OnceValue.of(PartnerClient::connect, OnFailure.RETRY);
 * ...
 * client.get().send(request);
 * }</pre>
 *
 * <p>
 * What a failure does is declared: {@link OnFailure#KEEP} keeps it, so every later
 * {@link #get()} throws it again without calling the initialiser (Go's {@code sync.Once}
 * with a stored error); {@link OnFailure#RETRY} forgets it, so the next {@link #get()}
 * tries again. Either way the threads that were waiting for that attempt get its failure.
 * Runtime exceptions and errors are rethrown as they were thrown.
 *
 * <p>
 * Thread-safe. Once a value is computed, {@link #get()} is one volatile read.
 *
 * @param <T> the type of the value; {@code null} is a valid value
 */
public final class OnceValue<T> implements Supplier<T> {

	private final Supplier<? extends T> initializer;

	private final OnFailure onFailure;

	private final Object lock = new Object();

	/** Set once, under lock; then read without it. */
	private volatile @Nullable Outcome<T> outcome;

	/**
	 * Under {@code RETRY}: how many attempts have failed, and the last failure. Written
	 * under lock.
	 */
	private volatile int failures;

	private @Nullable Outcome<T> lastFailure;

	private OnceValue(Supplier<? extends T> initializer, OnFailure onFailure) {
		this.initializer = Objects.requireNonNull(initializer, "initializer");
		this.onFailure = Objects.requireNonNull(onFailure, "onFailure");
	}

	/** A lazy value with the given failure policy. */
	public static <T> OnceValue<T> of(Supplier<? extends T> initializer, OnFailure onFailure) {
		return new OnceValue<>(initializer, onFailure);
	}

	/**
	 * The value, computing it first if no thread has yet; threads that arrive meanwhile
	 * wait for that computation.
	 * @throws RuntimeException what the initialiser threw, now or (under {@code KEEP})
	 * earlier
	 */
	@Override
	public T get() {
		Outcome<T> outcome = this.outcome;
		if (outcome == null) {
			int failuresSeen = this.failures;
			synchronized (this.lock) {
				outcome = this.outcome;
				if (outcome == null) {
					// an attempt that failed while this thread waited is this thread's
					// answer too
					outcome = (this.failures != failuresSeen) ? Objects.requireNonNull(this.lastFailure) : compute();
				}
			}
		}
		return outcome.value();
	}

	private Outcome<T> compute() {
		try {
			Outcome<T> computed = new Outcome<>(this.initializer.get(), null);
			this.outcome = computed;
			return computed;
		}
		catch (RuntimeException | Error ex) {
			Outcome<T> failed = new Outcome<>(null, ex);
			if (this.onFailure == OnFailure.KEEP) {
				this.outcome = failed;
			}
			else {
				this.lastFailure = failed;
				this.failures++;
			}
			return failed;
		}
	}

	/** Whether a value (or, under {@code KEEP}, a failure) has been computed. */
	public boolean isDone() {
		return this.outcome != null;
	}

	/** What a failed initialisation does to later calls. */
	public enum OnFailure {

		/** Keep the failure: every later call throws it without trying again. */
		KEEP,

		/** Forget the failure: the next call tries again. */
		RETRY

	}

	private record Outcome<T>(@Nullable T result, @Nullable Throwable failure) {

		@SuppressWarnings("NullAway") // without a failure, the result is the
										// initialiser's value
		T value() {
			if (this.failure instanceof RuntimeException runtime) {
				throw runtime;
			}
			if (this.failure instanceof Error error) {
				throw error;
			}
			return this.result;
		}
	}

}
