package dev.sluice.redis.eventbus;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

/**
 * The log of one transport. A warning of one kind (a key such as {@code trim:<stream>})
 * is logged at {@code WARNING} at most once per interval (30 seconds by default), the
 * rest at {@code DEBUG}, so that a Redis outage logs once in a while rather than once per
 * attempt; {@link #recovered} forgets a kind once what it warned of is over. Each
 * transport has its own, so that two transports in one JVM (such as several application
 * contexts in tests) never silence each other. Logging never throws: a logger that fails
 * must not stop a reader or a member. Thread-safe.
 */
final class RateLimitedLog {

	/** How often a warning of one kind is logged at most. */
	static final Duration WARN_EVERY = Duration.ofSeconds(30);

	private final System.Logger logger;

	private final long warnEveryNanos;

	/** When each kind of warning was last logged at {@code WARNING}. */
	private final Map<String, Long> lastWarned = new ConcurrentHashMap<>();

	RateLimitedLog(System.Logger logger) {
		this(logger, WARN_EVERY);
	}

	RateLimitedLog(System.Logger logger, Duration warnEvery) {
		this.logger = logger;
		this.warnEveryNanos = warnEvery.toNanos();
	}

	/** Logs a warning, at most once per interval per kind; the rest at debug level. */
	void warn(String kind, String message, @Nullable Throwable ex) {
		long now = System.nanoTime();
		Long last = this.lastWarned.get(kind);
		boolean warn;
		if (last == null) {
			warn = this.lastWarned.putIfAbsent(kind, now) == null;
		}
		else {
			// replace, not put: of two threads that both find the time up, only one warns
			warn = now - last >= this.warnEveryNanos && this.lastWarned.replace(kind, last, now);
		}
		log(warn ? Level.WARNING : Level.DEBUG, message, ex);
	}

	/** Forgets the warnings of one kind, once what they warned of is over. */
	void recovered(String kind) {
		this.lastWarned.remove(kind);
	}

	/** Logs a message, whatever came before it. */
	void log(Level level, String message) {
		log(level, message, null);
	}

	/** Logs a message with its exception (which may be null), whatever came before it. */
	void log(Level level, String message, @Nullable Throwable ex) {
		try {
			if (ex != null) {
				this.logger.log(level, message, ex);
			}
			else {
				this.logger.log(level, message);
			}
		}
		catch (Throwable ignored) {
			// logging must never stop a reader or a member
		}
	}

}
