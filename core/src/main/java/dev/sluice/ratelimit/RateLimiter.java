package dev.sluice.ratelimit;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import dev.sluice.KeyLimits;
import dev.sluice.internal.KeyedMap;
import dev.sluice.lifecycle.Gate;
import dev.sluice.timeout.Deadline;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import org.jspecify.annotations.Nullable;

/**
 * A named token-bucket rate limiter: Go's {@code rate.Limiter}, described by rate, burst
 * and wait. Its permits live in a {@link PermitStore}: by default in this process, on
 * resilience4j's {@link AtomicRateLimiter} ({@link RateLimitConfig} explains the mapping
 * and where it differs from a classic token bucket); or in a store shared by several
 * instances (Redis, in {@code sluice-redis}).
 *
 * <pre>{@code
 * partnerApi.acquire();                                // waits up to the configured timeout
 * Supplier<Quote> quote = partnerApi.decorateSupplier(client::quote);
 * }</pre>
 *
 * <ul>
 * <li>{@link #tryAcquire(int)} never waits; {@link #acquire(int, Duration)} waits up to
 * the timeout, and fails at once, without waiting, when the permits cannot come in time.
 * Refused callers get a {@link RateLimitExceededException} whose {@code retryAfter()}
 * says when the permits are expected.</li>
 * <li>Waiting callers are not queued: when permits come back, whichever caller asks first
 * gets them.</li>
 * <li>An interrupted waiter throws {@link InterruptedException} and takes nothing.</li>
 * <li>{@link #setRate(int)} takes effect at once: a local limiter starts afresh with a
 * full burst.</li>
 * <li>A store that cannot be reached answers by its own outage policy; a refusal then has
 * reason {@code UNAVAILABLE}. No call waits beyond its timeout for a store.</li>
 * <li>When the limiter shuts down ({@link #stopIntake()}), waiting callers wake with a
 * {@link RateLimitExceededException} of reason {@code SHUT_DOWN}, and so does every later
 * call.</li>
 * <li>{@link #forKey(String)} gives each key (a user, an API key, a tenant) a budget of
 * its own with this limiter's settings; the keys kept are bounded by {@link KeyLimits}.
 * </li>
 * </ul>
 *
 * <p>
 * Design notes. A store only ever answers "now, or in so many nanoseconds"
 * (resilience4j's limiter is built with a zero timeout for that); waiting is done here,
 * parked until the permits are expected, so that it can honour each caller's own timeout,
 * interrupts and shutdown. The current store and its config sit in one volatile
 * {@link Current}, replaced whole when the settings change. The local fast path is
 * resilience4j's own CAS plus that volatile read. A key's limiter is an ordinary limiter
 * whose local store is one flat object ({@code LocalKeyPermitStore}), so that thousands
 * of keys visited in turn cost a few cache misses each, not resilience4j's dozen objects.
 */
public final class RateLimiter implements Gate {

	private final String name;

	private final LongSupplier nanoClock;

	private final PermitStore.Factory stores;

	private volatile Current current;

	private volatile boolean shutdown;

	/** Shared by a limiter and its keys. */
	private final Set<Thread> waiters;

	/** Shared by a limiter and its keys: metrics count by limiter, never by key. */
	private final LongAdder rejected;

	/** The limiter itself, or the limiter that a key's limiter belongs to. */
	private final RateLimiter root;

	/** The key of a key's limiter; {@code null} for the limiter itself. */
	private final @Nullable String key;

	/** Of the limiter itself. */
	private final KeyLimits keyLimits;

	/**
	 * The limiter's keys, made on the first {@link #forKey}; replaced whole when the
	 * settings change. Always {@code null} in a key's limiter.
	 */
	private volatile @Nullable KeyedMap<RateLimiter> keys;

	private RateLimiter(String name, RateLimitConfig config, KeyLimits keyLimits, LongSupplier nanoClock,
			PermitStore.Factory stores) {
		if (name == null || name.isBlank()) {
			throw new IllegalArgumentException("name must not be blank");
		}
		this.name = name;
		this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
		this.stores = Objects.requireNonNull(stores, "stores");
		this.keyLimits = Objects.requireNonNull(keyLimits, "keyLimits");
		this.waiters = ConcurrentHashMap.newKeySet();
		this.rejected = new LongAdder();
		this.root = this;
		this.key = null;
		this.current = new Current(Objects.requireNonNull(config, "config"), stores.create(name, config));
	}

	/** A key's limiter, with the settings the limiter has now. */
	private RateLimiter(RateLimiter root, String key, RateLimitConfig config) {
		this.name = root.name;
		this.nanoClock = root.nanoClock;
		this.stores = root.stores;
		this.keyLimits = root.keyLimits;
		this.waiters = root.waiters;
		this.rejected = root.rejected;
		this.root = root;
		this.key = key;
		this.current = new Current(config, this.stores.createForKey(this.name, key, config));
	}

	/**
	 * Creates a limiter with the given name and settings, its permits in this process.
	 */
	public static RateLimiter create(String name, RateLimitConfig config) {
		return create(name, config, System::nanoTime);
	}

	/**
	 * Creates a limiter that reads time from the given clock of nanoseconds, such as a
	 * fake clock in a test. The clock must never go backwards.
	 */
	public static RateLimiter create(String name, RateLimitConfig config, LongSupplier nanoClock) {
		return create(name, config, KeyLimits.defaults(), nanoClock);
	}

	/**
	 * Creates a limiter with the given bound on its keys ({@link #forKey}), reading time
	 * from the given clock of nanoseconds ({@code System::nanoTime} but in tests). The
	 * clock must never go backwards.
	 */
	public static RateLimiter create(String name, RateLimitConfig config, KeyLimits keys, LongSupplier nanoClock) {
		return new RateLimiter(name, config, keys, nanoClock, LocalPermitStore.factory(nanoClock));
	}

	/**
	 * Creates a limiter whose permits live in the stores the factory makes (one now, and
	 * one for each change of settings).
	 */
	public static RateLimiter create(String name, RateLimitConfig config, PermitStore.Factory stores) {
		return create(name, config, KeyLimits.defaults(), stores);
	}

	/**
	 * Creates a limiter whose permits live in the stores the factory makes, with the
	 * given bound on its keys ({@link #forKey}).
	 */
	public static RateLimiter create(String name, RateLimitConfig config, KeyLimits keys, PermitStore.Factory stores) {
		return new RateLimiter(name, config, keys, System::nanoTime, stores);
	}

	/**
	 * The limiter of one key: a budget of its own, with this limiter's settings, in a
	 * store of its own from the same factory (for a cluster limiter, a bucket of its own
	 * in Redis). A key's limiter shares this limiter's name, counters and lifecycle:
	 * refusals count as this limiter's, {@link #setRate} and {@link #reconfigure} on
	 * either change the limiter and every key (each key then starts afresh), and it shuts
	 * down with the limiter.
	 * <p>
	 * At most {@link KeyLimits#max()} keys are kept: beyond that the least recently used
	 * go, and so do keys unused for {@link KeyLimits#idleTimeout()} or, if longer, the
	 * time the bucket takes to refill whole ({@link RateLimitConfig#refreshPeriod()}), so
	 * that idle eviction never gives a key more than its rate. A key evicted for want of
	 * room starts again with a full burst. Holding on to a key's limiter is safe: once
	 * its key is evicted, it passes each call on to the key's current limiter.
	 * <p>
	 * Thread-safe; one map lookup on top of the acquire.
	 * @param key any string; on a key's limiter, the same as on the limiter itself
	 */
	public RateLimiter forKey(String key) {
		Objects.requireNonNull(key, "key");
		RateLimiter root = this.root;
		KeyedMap<RateLimiter> keys = root.keys;
		if (keys == null) {
			keys = root.keysMap();
		}
		RateLimiter limiter = keys.get(key);
		if (root.shutdown) {
			// a key made while the limiter shut down may have been missed by it
			limiter.shutdown = true;
		}
		return limiter;
	}

	private synchronized KeyedMap<RateLimiter> keysMap() {
		KeyedMap<RateLimiter> keys = this.keys;
		if (keys == null) {
			keys = newKeys(this.current.config);
			this.keys = keys;
		}
		return keys;
	}

	private KeyedMap<RateLimiter> newKeys(RateLimitConfig config) {
		// an idle key goes no sooner than its bucket would be full again: evicting it
		// then loses nothing
		long idle = Math.max(this.keyLimits.idleTimeout().toNanos(), config.refreshPeriod().toNanos());
		return new KeyedMap<>(this.keyLimits.max(), idle, this.nanoClock, (k) -> new RateLimiter(this, k, config),
				(limiter) -> {
					limiter.retire();
					return true;
				});
	}

	/** An evicted key's limiter: passes its calls on to the key's current limiter. */
	private void retire() {
		this.shutdown = true;
		this.waiters.forEach(LockSupport::unpark);
		this.current.store.close();
	}

	/** The key of a key's limiter ({@link #forKey}); empty for the limiter itself. */
	public Optional<String> key() {
		return java.util.Optional.ofNullable(this.key);
	}

	/** Whether this is a key's limiter that was evicted, not one that shut down. */
	private boolean retired() {
		return this.root != this && !this.root.shutdown;
	}

	/** The key's current limiter, for a call to an evicted one. */
	private RateLimiter successor() {
		return this.root.forKey(Objects.requireNonNull(this.key));
	}

	@Override
	public String name() {
		return this.name;
	}

	/** The current settings. */
	public RateLimitConfig config() {
		return this.current.config;
	}

	/**
	 * Takes one permit if one is available now; never waits for permits (a shared store
	 * still makes one round trip, bounded by its own timeout).
	 */
	public boolean tryAcquire() {
		return tryAcquire(1);
	}

	/**
	 * Takes several permits if they are available now; never waits for permits (a shared
	 * store still makes one round trip).
	 * @param permits at least 1 and at most the burst
	 */
	public boolean tryAcquire(int permits) {
		Current current = this.current;
		current.check(permits);
		if (this.shutdown) {
			if (retired()) {
				return successor().tryAcquire(permits);
			}
			throw shutdownException();
		}
		if (take(current, permits, 0) == 0) {
			return true;
		}
		this.rejected.increment();
		return false;
	}

	private long take(Current current, int permits, long maxWaitNanos) {
		try {
			return tryTake(current, permits, maxWaitNanos);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw interruptedException();
		}
	}

	/**
	 * Takes one permit, waiting up to the configured timeout.
	 * @throws RateLimitExceededException if no permit can come in time, or the limiter is
	 * shut down
	 * @throws InterruptedException if the caller was interrupted while it waited
	 */
	public void acquire() throws InterruptedException {
		acquire(1, this.current.config.timeout());
	}

	/**
	 * Takes several permits, waiting up to the given timeout.
	 * @param permits at least 1 and at most the burst
	 * @throws RateLimitExceededException if the permits cannot come in time, or the
	 * limiter is shut down
	 * @throws InterruptedException if the caller was interrupted while it waited
	 */
	public void acquire(int permits, Duration timeout) throws InterruptedException {
		Objects.requireNonNull(timeout, "timeout");
		Current current = this.current;
		current.check(permits);
		if (this.shutdown) {
			if (retired()) {
				successor().acquire(permits, timeout);
				return;
			}
			throw shutdownException();
		}
		long start = this.nanoClock.getAsLong();
		long deadline = start + Math.max(0, Deadline.cap(timeout));
		long wait = tryTake(current, permits, deadline - start);
		if (wait == 0) {
			return;
		}
		Thread me = Thread.currentThread();
		this.waiters.add(me);
		try {
			waitFor(current, permits, timeout, deadline, wait);
		}
		finally {
			this.waiters.remove(me);
		}
	}

	private void waitFor(Current current, int permits, Duration timeout, long deadline, long wait)
			throws InterruptedException {
		while (true) {
			if (this.shutdown) {
				handOver(permits, deadline);
				return;
			}
			long left = deadline - this.nanoClock.getAsLong();
			if (wait > left) {
				throw limited(current, permits, timeout, wait);
			}
			LockSupport.parkNanos(this, wait);
			if (Thread.interrupted()) {
				throw new InterruptedException("Interrupted while waiting for rate limiter '" + this.name + "'");
			}
			if (this.shutdown) {
				handOver(permits, deadline);
				return;
			}
			current = this.current;
			current.check(permits);
			long remaining = deadline - this.nanoClock.getAsLong();
			if (remaining < 0) {
				// out of time: a store given no time would still make a round trip of
				// its own
				throw limited(current, permits, timeout, wait);
			}
			wait = tryTake(current, permits, remaining);
			if (wait == 0) {
				return;
			}
		}
	}

	/**
	 * For a waiter that finds this limiter shut: refuses if the limiter shut down; if
	 * only this key was evicted, waits on the key's current limiter for the time left.
	 */
	private void handOver(int permits, long deadline) throws InterruptedException {
		if (!retired()) {
			throw shutdownException();
		}
		successor().acquire(permits, Duration.ofNanos(Math.max(0, deadline - this.nanoClock.getAsLong())));
	}

	private RateLimitExceededException limited(Current current, int permits, Duration timeout, long wait) {
		this.rejected.increment();
		return new RateLimitExceededException(this.name, RateLimitExceededException.Reason.LIMITED,
				Duration.ofNanos(wait),
				"Rate limiter '" + this.name + "' allows " + current.config.rate() + " per " + current.config.per()
						+ "; no " + permits + " permit" + ((permits == 1) ? "" : "s") + " within " + timeout
						+ " (next in " + Duration.ofNanos(wait).toMillis() + "ms)");
	}

	private long tryTake(Current current, int permits, long maxWaitNanos) throws InterruptedException {
		try {
			return current.store.tryTake(permits, maxWaitNanos);
		}
		catch (RateLimitExceededException ex) {
			this.rejected.increment();
			throw ex;
		}
	}

	/**
	 * How long until a permit is expected: zero if one is available now (as far as this
	 * process knows).
	 */
	public Duration timeToNextPermit() {
		PermitStore store = this.current.store;
		return (store.available() > 0) ? Duration.ZERO : Duration.ofNanos(store.nanosToNextPermit());
	}

	/**
	 * A runnable that takes a permit (waiting up to the configured timeout) before each
	 * run.
	 */
	public Runnable decorateRunnable(Runnable runnable) {
		Objects.requireNonNull(runnable, "runnable");
		return () -> {
			acquireUninterruptibly();
			runnable.run();
		};
	}

	/**
	 * A supplier that takes a permit (waiting up to the configured timeout) before each
	 * call.
	 */
	public <T> Supplier<T> decorateSupplier(Supplier<T> supplier) {
		Objects.requireNonNull(supplier, "supplier");
		return () -> {
			acquireUninterruptibly();
			return supplier.get();
		};
	}

	/**
	 * A callable that takes a permit (waiting up to the configured timeout) before each
	 * call.
	 */
	public <T> Callable<T> decorateCallable(Callable<T> callable) {
		Objects.requireNonNull(callable, "callable");
		return () -> {
			acquire();
			return callable.call();
		};
	}

	private void acquireUninterruptibly() {
		try {
			acquire();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw interruptedException();
		}
	}

	private RateLimitExceededException interruptedException() {
		return new RateLimitExceededException(this.name, RateLimitExceededException.Reason.INTERRUPTED, Duration.ZERO,
				"Interrupted while waiting for rate limiter '" + this.name + "'");
	}

	/**
	 * Changes the rate, keeping {@code per}, burst and timeout. A local limiter starts
	 * afresh with a full burst, its periods counted from a clock reading taken during
	 * this call; a shared store decides for itself what it keeps.
	 * @param rate at least 1
	 */
	public void setRate(int rate) {
		RateLimiter root = this.root;
		synchronized (root) {
			root.reconfigure(root.current.config.withRate(rate));
		}
	}

	/**
	 * Replaces every setting, with a new store from the factory; the old store is closed.
	 * Every key starts afresh with the new settings.
	 */
	public void reconfigure(RateLimitConfig config) {
		Objects.requireNonNull(config, "config");
		RateLimiter root = this.root;
		if (root != this) {
			root.reconfigure(config);
			return;
		}
		synchronized (this) {
			Current old = this.current;
			this.current = new Current(config, this.stores.create(this.name, config));
			KeyedMap<RateLimiter> oldKeys = this.keys;
			if (oldKeys != null) {
				this.keys = newKeys(config);
				oldKeys.evictAll();
			}
			this.waiters.forEach(LockSupport::unpark);
			old.store.close();
		}
	}

	/** Where the permits live. */
	public PermitStore store() {
		return this.current.store;
	}

	/** A snapshot of the limiter's live state and counters. */
	public RateLimiterStats stats() {
		Current current = this.current;
		boolean shutdown = this.root.shutdown;
		return new RateLimiterStats(this.name, current.config, shutdown ? 0 : Math.max(0, current.store.available()),
				this.waiters.size(), this.rejected.sum(), shutdown, keyCount());
	}

	/** The bound on the keys ({@link #forKey}). */
	public KeyLimits keyLimits() {
		return this.keyLimits;
	}

	/** How many keys ({@link #forKey}) are live now. */
	public int keyCount() {
		KeyedMap<RateLimiter> keys = this.root.keys;
		return (keys != null) ? keys.size() : 0;
	}

	/** Whether the limiter has shut down. */
	public boolean isShutdown() {
		return this.root.shutdown;
	}

	/**
	 * Fails every waiting and later call with a {@link RateLimitExceededException} of
	 * reason SHUT_DOWN, and closes the store. A call that races it may be granted or
	 * refused; every call that begins after it has returned is refused.
	 */
	@Override
	public void stopIntake() {
		RateLimiter root = this.root;
		if (root != this) {
			root.stopIntake();
			return;
		}
		this.shutdown = true;
		KeyedMap<RateLimiter> keys = this.keys;
		if (keys != null) {
			keys.forEach((limiter) -> limiter.shutdown = true);
		}
		this.waiters.forEach(LockSupport::unpark);
		this.current.store.close();
		if (keys != null) {
			keys.forEach((limiter) -> limiter.current.store.close());
		}
	}

	private RateLimitExceededException shutdownException() {
		this.rejected.increment();
		return new RateLimitExceededException(this.name, RateLimitExceededException.Reason.SHUT_DOWN, Duration.ZERO,
				"Rate limiter '" + this.name + "' is shut down and gives no more permits");
	}

	@Override
	public String toString() {
		return "RateLimiter[" + this.name + ((this.key != null) ? ", key " + this.key : "") + ", " + this.current.config
				+ "]";
	}

	/** The current settings and the store that holds their permits. */
	private static final class Current {

		final RateLimitConfig config;

		final PermitStore store;

		Current(RateLimitConfig config, PermitStore store) {
			this.config = config;
			this.store = Objects.requireNonNull(store, "store");
		}

		void check(int permits) {
			if (permits < 1 || permits > this.config.burst()) {
				throw new IllegalArgumentException(
						"permits must be between 1 and the burst of " + this.config.burst() + ", was " + permits);
			}
		}

	}

}
