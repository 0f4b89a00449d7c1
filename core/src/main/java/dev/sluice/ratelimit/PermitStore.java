package dev.sluice.ratelimit;

/**
 * Where a {@link RateLimiter}'s permits live: in this process (the default, on
 * resilience4j), or in a store that several instances share, such as Redis. The limiter
 * does the waiting, the timeouts, the interrupts and the shutdown; a store only answers
 * "now or when".
 *
 * <p>
 * Implementations must be thread-safe. {@link #tryTake} must never take part of what it
 * was asked for, and must return within {@code maxWaitNanos} (or within its own
 * round-trip bound when that is zero), so that no caller waits beyond its timeout.
 */
public interface PermitStore extends AutoCloseable {

	/**
	 * Takes the permits if they are all there now; otherwise takes nothing.
	 * @param permits at least 1 and at most the burst
	 * @param maxWaitNanos how long the caller is prepared to wait in all, including any
	 * round trip
	 * @return zero when the permits were taken; otherwise the nanoseconds until they are
	 * expected
	 * @throws RateLimitExceededException of reason {@code UNAVAILABLE} when the store
	 * cannot answer and its outage policy is to refuse
	 * @throws InterruptedException if the caller was interrupted while the store answered
	 */
	long tryTake(int permits, long maxWaitNanos) throws InterruptedException;

	/**
	 * Permits available now, as far as this process knows (a shared store may answer from
	 * its last reply).
	 */
	int available();

	/**
	 * Nanoseconds until a permit is expected when none is available, as far as this
	 * process knows.
	 */
	long nanosToNextPermit();

	/** Releases what the store holds, such as a connection; the default holds nothing. */
	@Override
	default void close() {
	}

	/**
	 * Makes a store for a limiter's settings; called again with the new settings when
	 * they change.
	 */
	@FunctionalInterface
	interface Factory {

		PermitStore create(String name, RateLimitConfig config);

		/**
		 * Makes the store of one key of a limiter ({@link RateLimiter#forKey}); it is
		 * closed when the key is evicted. By default, a store as {@link #create} makes,
		 * which is right for stores that hold their permits themselves.
		 */
		default PermitStore createForKey(String name, String key, RateLimitConfig config) {
			return create(name, config);
		}

	}

}
