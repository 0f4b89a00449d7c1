package dev.sluice.autoconfigure.web;

import dev.sluice.ratelimit.RateLimiter;
import org.jspecify.annotations.Nullable;

/**
 * The rate limiter that let one WebFlux exchange's handler run, remembered until its
 * response is committed. The exchange is made current on a thread only while that thread
 * works for it (delivering its signals, or taking a guarded subscription's permit), and
 * the previous one is restored after, so that a limiter is never told of another
 * exchange. Written and read from any thread.
 */
final class RateLimitedExchange {

	private static final ThreadLocal<@Nullable RateLimitedExchange> CURRENT = new ThreadLocal<>();

	private volatile @Nullable RateLimiter limiter;

	/** The exchange the current thread works for, if any. */
	static @Nullable RateLimitedExchange current() {
		return CURRENT.get();
	}

	/** The limiter that let the handler run; the last one if several did. */
	void record(RateLimiter limiter) {
		this.limiter = limiter;
	}

	@Nullable RateLimiter limiter() {
		return this.limiter;
	}

	/** Makes this exchange the thread's until the scope is closed, on the same thread. */
	Scope makeCurrent() {
		@Nullable RateLimitedExchange previous = CURRENT.get();
		CURRENT.set(this);
		return () -> {
			if (previous != null) {
				CURRENT.set(previous);
			}
			else {
				CURRENT.remove();
			}
		};
	}

	/** While an exchange is the thread's. */
	@FunctionalInterface
	interface Scope extends AutoCloseable {

		@Override
		void close();

	}

}
