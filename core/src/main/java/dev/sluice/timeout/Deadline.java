package dev.sluice.timeout;

import java.time.Duration;
import java.util.Optional;

import dev.sluice.internal.CurrentDeadline;
import org.jspecify.annotations.Nullable;

/**
 * The point in time by which the work running on this thread must finish, set by
 * {@link Timeout#call}: Go's {@code context.WithTimeout}, carried by the thread rather
 * than passed as an argument.
 *
 * <p>
 * Sluice's own waits read it: a pool submission waiting for queue space, a semaphore or
 * rate-limiter acquire, a channel send or receive all wait no longer than the time left,
 * whatever timeout they were given. Work that Sluice hands to another thread (a pool
 * task, a task group's fork, a pipeline's stages) carries the deadline with it, so its
 * waits are capped by the same point in time (see
 * {@code dev.sluice.context.CapturedContext}); it is not interrupted when the deadline
 * passes, only the thread of the {@link Timeout#call} is.
 *
 * <p>
 * Immutable; {@link #current()} is per thread.
 */
public final class Deadline {

	/**
	 * Longest wait Sluice ever computes, so that adding it to {@code System.nanoTime()}
	 * cannot overflow.
	 */
	private static final long MAX_NANOS = Long.MAX_VALUE / 4;

	private final long nanoTime;

	private final Duration timeout;

	private Deadline(long nanoTime, Duration timeout) {
		this.nanoTime = nanoTime;
		this.timeout = timeout;
	}

	/** The deadline of the work running on this thread, if any. */
	public static Optional<Deadline> current() {
		return Optional.ofNullable(CurrentDeadline.get());
	}

	/** The time left until the deadline; zero once it has passed. */
	public Duration remaining() {
		return Duration.ofNanos(Math.max(0, this.nanoTime - System.nanoTime()));
	}

	/** The timeout this deadline was set with. */
	public Duration timeout() {
		return this.timeout;
	}

	/**
	 * A wait of {@code timeout}, in nanoseconds, shortened to the time left before this
	 * thread's deadline, if it has one. A negative or zero result means "do not wait".
	 */
	public static long cap(Duration timeout) {
		long nanos;
		try {
			nanos = Math.min(timeout.toNanos(), MAX_NANOS);
		}
		catch (ArithmeticException ex) {
			nanos = timeout.isNegative() ? -1 : MAX_NANOS;
		}
		Deadline deadline = CurrentDeadline.get();
		return (deadline != null) ? Math.min(nanos, deadline.nanoTime - System.nanoTime()) : nanos;
	}

	/**
	 * Sets a deadline for this thread, no later than the one already set; returns the
	 * previous one.
	 */
	static @Nullable Deadline enter(Duration timeout) {
		Deadline previous = CurrentDeadline.get();
		long nanoTime = System.nanoTime() + Math.max(0, cap(timeout));
		if (previous != null && previous.nanoTime - nanoTime < 0) {
			nanoTime = previous.nanoTime;
		}
		CurrentDeadline.set(new Deadline(nanoTime, timeout));
		return previous;
	}

	/** Restores the deadline that {@link #enter} replaced. */
	static void exit(@Nullable Deadline previous) {
		CurrentDeadline.set(previous);
	}

	/** Nanoseconds until this deadline, as {@code System.nanoTime()} counts them. */
	long nanosLeft() {
		return this.nanoTime - System.nanoTime();
	}

	@Override
	public String toString() {
		return "Deadline[" + remaining() + " left of " + this.timeout + "]";
	}

}
