package dev.sluice.ratelimit;

import java.time.Duration;

/**
 * Thrown when a {@link RateLimiter} gives no permit: the limit was reached for longer
 * than the caller would wait, the limiter is shut down, or the store of a shared budget
 * could not be reached. {@link #retryAfter()} says when a permit is expected, for a
 * {@code Retry-After} header.
 */
public class RateLimitExceededException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final String limiter;

	private final Reason reason;

	private final Duration retryAfter;

	/**
	 * A refusal by the named limiter, for the given reason, with when a permit is
	 * expected.
	 */
	public RateLimitExceededException(String limiter, Reason reason, Duration retryAfter, String message) {
		super(message);
		this.limiter = limiter;
		this.reason = reason;
		this.retryAfter = retryAfter;
	}

	/** Name of the limiter that refused. */
	public String limiter() {
		return this.limiter;
	}

	/** Why no permit was given. */
	public Reason reason() {
		return this.reason;
	}

	/**
	 * How long until a permit is expected; zero when the limiter is shut down or its
	 * store unavailable.
	 */
	public Duration retryAfter() {
		return this.retryAfter;
	}

	/** Why a rate limiter gave no permit. */
	public enum Reason {

		/** The rate was used up and no permit came within the timeout. */
		LIMITED,

		/**
		 * The caller was interrupted while it waited, in a decorator that cannot throw
		 * that.
		 */
		INTERRUPTED,

		/** The limiter is shutting down or has shut down. */
		SHUT_DOWN,

		/**
		 * The store that holds a shared budget (Redis, say) could not be reached in time.
		 */
		UNAVAILABLE

	}

}
