package dev.sluice.bulkhead;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.AbstractQueuedLongSynchronizer;

import dev.sluice.KeyLimits;
import dev.sluice.internal.KeyedMap;
import dev.sluice.lifecycle.Gate;
import dev.sluice.timeout.Deadline;
import org.jspecify.annotations.Nullable;

/**
 * A named limit on concurrent work: Go's semaphore, weighted as {@code x/sync/semaphore}.
 *
 * <pre>{@code
 * try (Bulkhead.Permit permit = legacyDb.acquire()) {   // waits up to acquire-timeout
 *     return jdbc.query(...);
 * }                                                      // released exactly once, even on exceptions
 * }</pre>
 *
 * <ul>
 * <li>{@link #acquire(int, Duration)} waits up to a timeout and throws
 * {@link BulkheadException} (reason {@code FULL}) if the permits did not come;
 * {@link #tryAcquire(int)} never waits.</li>
 * <li>An acquire interrupted while it waits throws {@link InterruptedException} and holds
 * nothing.</li>
 * <li>A {@link Permit} is released by {@code close()} exactly once, however often it is
 * closed.</li>
 * <li>{@link #setPermits(int)} changes the limit at once; lowering it below what is in
 * use makes new acquires wait until enough permits come back.</li>
 * <li>When the bulkhead shuts down ({@link #stopIntake()}), every waiting caller wakes
 * with a {@link BulkheadException} of reason {@code SHUT_DOWN}, and so does every later
 * acquire.</li>
 * <li>{@link #forKey(String)} gives each key (a user, a tenant, a downstream host) a
 * semaphore of its own with this bulkhead's settings; the keys kept are bounded by
 * {@link KeyLimits}, and a key whose permits are held is never evicted.</li>
 * </ul>
 *
 * <p>
 * Design notes. The permits are a counting semaphore of Sluice's own on
 * {@link AbstractQueuedLongSynchronizer}, fair or not as configured, as
 * {@link java.util.concurrent.Semaphore} is, but with the limit and a shutdown flag in
 * the same {@code long} state as the free permits. So every change (a take, a release, a
 * new limit, the shutdown) is one CAS, and an acquire that sees the limit sees the
 * permits that go with it: a take racing {@link #setPermits} or {@link #stopIntake}
 * either happened before it or sees it. After the shutdown, and for a waiter whose count
 * a new limit has made impossible, an acquire succeeds at once without taking anything
 * and tells its thread why, so that waiters wake one after another (shared-mode
 * propagation) and are refused. (Waking them with a flood of released permits, as a plain
 * {@code Semaphore} would need, overflows its count for limits above about 2^30.) The
 * fast path (permits free now) is one CAS and nothing else; metrics are only recorded on
 * the slow path, so watching a bulkhead costs nothing when it is not full.
 */
public final class Bulkhead implements Gate {

	private final String name;

	private final BulkheadConfig config;

	private final Permits permits;

	/** Shared by a bulkhead and its keys: metrics count by bulkhead, never by key. */
	private final LongAdder waited;

	private final LongAdder waitNanos;

	private final LongAdder rejected;

	/** The bulkhead itself, or the bulkhead that a key's semaphore belongs to. */
	private final Bulkhead root;

	/** The key of a key's semaphore; {@code null} for the bulkhead itself. */
	private final @Nullable String key;

	private final KeyLimits keyLimits;

	/** The keys, made on the first {@link #forKey}; {@code null} in a key's semaphore. */
	private volatile @Nullable KeyedMap<Bulkhead> keys;

	private Bulkhead(String name, BulkheadConfig config, KeyLimits keyLimits) {
		if (name == null || name.isBlank()) {
			throw new IllegalArgumentException("name must not be blank");
		}
		this.name = name;
		this.config = Objects.requireNonNull(config, "config");
		this.keyLimits = Objects.requireNonNull(keyLimits, "keyLimits");
		this.permits = new Permits(config.permits(), config.fair());
		this.waited = new LongAdder();
		this.waitNanos = new LongAdder();
		this.rejected = new LongAdder();
		this.root = this;
		this.key = null;
	}

	/** A key's semaphore, with the bulkhead's limit now. */
	private Bulkhead(Bulkhead root, String key, int limit) {
		this.name = root.name;
		this.config = root.config;
		this.keyLimits = root.keyLimits;
		this.permits = new Permits(limit, this.config.fair());
		this.waited = root.waited;
		this.waitNanos = root.waitNanos;
		this.rejected = root.rejected;
		this.root = root;
		this.key = key;
	}

	/** Creates a bulkhead with the given name and settings. */
	public static Bulkhead create(String name, BulkheadConfig config) {
		return new Bulkhead(name, config, KeyLimits.defaults());
	}

	/**
	 * Creates a bulkhead with the given name and settings, and the given bound on its
	 * keys ({@link #forKey}).
	 */
	public static Bulkhead create(String name, BulkheadConfig config, KeyLimits keys) {
		return new Bulkhead(name, config, keys);
	}

	/**
	 * The semaphore of one key: permits of its own, as many as this bulkhead's limit,
	 * with its settings. It shares the bulkhead's name, counters and lifecycle: refusals
	 * and waits count as the bulkhead's, {@link #setPermits} on either changes the limit
	 * of the bulkhead and every key, and it shuts down with the bulkhead.
	 * <p>
	 * At most {@link KeyLimits#max()} keys are kept: beyond that the least recently used
	 * go, and so do keys unused for {@link KeyLimits#idleTimeout()}; but a key whose
	 * permits are held or waited for is never evicted, so that one key never has two
	 * semaphores. Holding on to a key's semaphore is safe: once its key is evicted, it
	 * passes each acquire on to the key's current semaphore.
	 * <p>
	 * Thread-safe; one map lookup on top of the acquire.
	 * @param key any string; on a key's semaphore, the same as on the bulkhead itself
	 */
	public Bulkhead forKey(String key) {
		Objects.requireNonNull(key, "key");
		Bulkhead root = this.root;
		KeyedMap<Bulkhead> keys = root.keys;
		if (keys == null) {
			keys = root.keysMap();
		}
		Bulkhead bulkhead = keys.get(key);
		if (root.isShutdown()) {
			// a key made while the bulkhead shut down may have been missed by it
			bulkhead.permits.shutdown();
		}
		return bulkhead;
	}

	private synchronized KeyedMap<Bulkhead> keysMap() {
		KeyedMap<Bulkhead> keys = this.keys;
		if (keys == null) {
			keys = new KeyedMap<>(this.keyLimits.max(), this.keyLimits.idleTimeout().toNanos(), System::nanoTime,
					this::newKey, (bulkhead) -> bulkhead.permits.retireIfIdle());
			this.keys = keys;
		}
		return keys;
	}

	private Bulkhead newKey(String key) {
		// under the lock of setPermits, so that no key misses a new limit
		synchronized (this) {
			return new Bulkhead(this, key, permits());
		}
	}

	/** The key of a key's semaphore ({@link #forKey}); empty for the bulkhead itself. */
	public Optional<String> key() {
		return Optional.ofNullable(this.key);
	}

	/** The bound on the keys ({@link #forKey}). */
	public KeyLimits keyLimits() {
		return this.keyLimits;
	}

	/** How many keys ({@link #forKey}) are live now. */
	public int keyCount() {
		KeyedMap<Bulkhead> keys = this.root.keys;
		return (keys != null) ? keys.size() : 0;
	}

	/**
	 * Whether this is a key's semaphore that was evicted (shut by its eviction, not by
	 * the bulkhead's shutdown).
	 */
	private boolean retired() {
		return this.root != this && this.permits.isShutdown() && !this.root.isShutdown();
	}

	/** The key's current semaphore, for an acquire on an evicted one. */
	private Bulkhead successor() {
		return this.root.forKey(Objects.requireNonNull(this.key));
	}

	@Override
	public String name() {
		return this.name;
	}

	/**
	 * The settings the bulkhead was created with; {@link #permits()} is the current
	 * limit.
	 */
	public BulkheadConfig config() {
		return this.config;
	}

	/** The current limit. */
	public int permits() {
		return this.permits.limit();
	}

	/**
	 * Takes one permit, waiting up to the configured acquire timeout.
	 * @throws BulkheadException if no permit came in time, or the bulkhead is shut down
	 * @throws InterruptedException if the caller was interrupted while it waited; it
	 * holds nothing
	 */
	public Permit acquire() throws InterruptedException {
		// kept small so that it inlines, and a permit that does not escape the caller is
		// never allocated
		if (fastAcquire(1)) {
			return new Permit(1);
		}
		return acquireSlowly(1, this.config.acquireTimeout());
	}

	/**
	 * Takes several permits at once, waiting up to the given timeout.
	 * @param count how many permits; at least 1 and at most the limit
	 * @throws BulkheadException if the permits did not come in time, or the bulkhead is
	 * shut down
	 * @throws InterruptedException if the caller was interrupted while it waited; it
	 * holds nothing
	 */
	public Permit acquire(int count, Duration timeout) throws InterruptedException {
		checkCount(count);
		Objects.requireNonNull(timeout, "timeout");
		if (fastAcquire(count)) {
			return new Permit(count);
		}
		return acquireSlowly(count, timeout);
	}

	private Permit acquireSlowly(int count, Duration timeout) throws InterruptedException {
		if (retired()) {
			return successor().acquire(count, timeout);
		}
		refuseIfShutDownOrOverLimit(count);
		long start = System.nanoTime();
		boolean acquired;
		try {
			long nanos = Deadline.cap(timeout);
			acquired = nanos > 0 && this.permits.tryAcquireSharedNanos(count, nanos);
		}
		finally {
			this.waited.increment();
			this.waitNanos.add(System.nanoTime() - start);
		}
		if (acquired && Permits.takenByThisThread()) {
			return new Permit(count);
		}
		if (retired()) {
			// the key was evicted as this waited: the same wait on its current semaphore
			long left = Deadline.cap(timeout) - (System.nanoTime() - start);
			return successor().acquire(count, Duration.ofNanos(Math.max(0, left)));
		}
		// let through without permits by a shutdown or a new limit, or out of time
		refuseIfShutDownOrOverLimit(count);
		this.rejected.increment();
		throw new BulkheadException(this.name, BulkheadException.Reason.FULL,
				"Bulkhead '" + this.name + "' had no " + count + " free permit" + ((count == 1) ? "" : "s") + " within "
						+ timeout + " (" + permits() + " permits, all in use)");
	}

	/** Takes one permit if one is free now; never waits. */
	public Optional<Permit> tryAcquire() {
		return tryAcquire(1);
	}

	/** Takes several permits if they are free now; never waits. */
	public Optional<Permit> tryAcquire(int count) {
		checkCount(count);
		if (fastAcquire(count)) {
			return Optional.of(new Permit(count));
		}
		if (retired()) {
			return successor().tryAcquire(count);
		}
		refuseIfShutDownOrOverLimit(count);
		this.rejected.increment();
		return Optional.empty();
	}

	/**
	 * For an acquire that got nothing: if the bulkhead's limit fell below the count, or
	 * it shut down, while it tried, that is the answer, not a full bulkhead (a count it
	 * can never have comes first, as it does before any acquire).
	 */
	private void refuseIfShutDownOrOverLimit(int count) {
		// one reading of the state, so that the limit and the shutdown agree
		long state = this.permits.state();
		checkCount(count, Permits.limit(state));
		if (Permits.isShutdown(state)) {
			throw shutdownException();
		}
	}

	/**
	 * Runs the work while holding one permit, waiting up to the configured acquire
	 * timeout for it.
	 * @throws BulkheadException if no permit came in time, or the bulkhead is shut down
	 */
	public <T> T call(Callable<T> work) throws Exception {
		if (!fastAcquire(1)) {
			// the permit may come from another semaphore (an evicted key's successor)
			try (Permit permit = acquireSlowly(1, this.config.acquireTimeout())) {
				return work.call();
			}
		}
		try {
			return work.call();
		}
		finally {
			this.permits.giveBack(1);
		}
	}

	/**
	 * Runs the work while holding one permit, waiting up to the configured acquire
	 * timeout for it.
	 * @throws BulkheadException if no permit came in time, or the bulkhead is shut down
	 * @throws InterruptedException if the caller was interrupted while it waited
	 */
	public void run(Runnable work) throws InterruptedException {
		if (!fastAcquire(1)) {
			try (Permit permit = acquireSlowly(1, this.config.acquireTimeout())) {
				work.run();
			}
			return;
		}
		try {
			work.run();
		}
		finally {
			this.permits.giveBack(1);
		}
	}

	private boolean fastAcquire(int count) {
		// the untimed take barges past waiters, which a fair bulkhead must not do
		if (this.config.fair() && this.permits.hasQueuedThreads()) {
			return false;
		}
		// false once shut down or over the limit, so the caller goes the slow way and is
		// refused
		return this.permits.tryTake(count);
	}

	/**
	 * Changes the limit. Raising it lets waiters in at once; lowering it takes effect as
	 * permits come back, and a waiter whose count the new limit makes impossible is
	 * refused at once.
	 * @param newLimit at least 1
	 */
	public void setPermits(int newLimit) {
		if (newLimit < 1) {
			throw new IllegalArgumentException("permits must be at least 1, was " + newLimit);
		}
		Bulkhead root = this.root;
		synchronized (root) {
			root.permits.setLimit(newLimit);
			KeyedMap<Bulkhead> keys = root.keys;
			if (keys != null) {
				keys.forEach((bulkhead) -> bulkhead.permits.setLimit(newLimit));
			}
		}
	}

	/** A snapshot of the bulkhead's live state and counters. */
	public BulkheadStats stats() {
		long state = this.permits.state();
		int limit = Permits.limit(state);
		boolean shutdown = Permits.isShutdown(state);
		int available = shutdown ? 0 : Math.max(0, Permits.available(state));
		return new BulkheadStats(this.name, limit, available, shutdown ? 0 : Math.max(0, limit - available),
				this.permits.waiting(), this.waited.sum(), Duration.ofNanos(this.waitNanos.sum()), this.rejected.sum(),
				shutdown, keyCount());
	}

	/** Whether the bulkhead has shut down. */
	public boolean isShutdown() {
		return this.root.permits.isShutdown();
	}

	/**
	 * Fails every waiting and later acquire with a {@link BulkheadException} of reason
	 * {@code SHUT_DOWN}, of every key too.
	 */
	@Override
	public void stopIntake() {
		Bulkhead root = this.root;
		root.permits.shutdown();
		KeyedMap<Bulkhead> keys = root.keys;
		if (keys != null) {
			keys.forEach((bulkhead) -> bulkhead.permits.shutdown());
		}
	}

	private void checkCount(int count) {
		checkCount(count, permits());
	}

	private void checkCount(int count, int limit) {
		if (count < 1) {
			throw new IllegalArgumentException("count must be at least 1, was " + count);
		}
		if (count > limit) {
			throw new IllegalArgumentException(
					"Bulkhead '" + this.name + "' has " + limit + " permits; " + count + " can never be acquired");
		}
	}

	private BulkheadException shutdownException() {
		this.rejected.increment();
		return new BulkheadException(this.name, BulkheadException.Reason.SHUT_DOWN,
				"Bulkhead '" + this.name + "' is shut down and gives no more permits");
	}

	@Override
	public String toString() {
		return "Bulkhead[" + this.name + ((this.key != null) ? ", key " + this.key : "") + ", " + this.config + "]";
	}

	/**
	 * Permits held from a {@link Bulkhead}. {@link #close()} gives them back once; calls
	 * after the first do nothing. A permit belongs to the thread that holds it, as
	 * try-with-resources uses it: closing one permit from two threads at once is not
	 * supported.
	 */
	public final class Permit implements AutoCloseable {

		private final int count;

		/**
		 * Touched only by the thread that holds the permit; no atomic needed on the hot
		 * path.
		 */
		private boolean released;

		private Permit(int count) {
			this.count = count;
		}

		/** How many permits this holds. */
		public int count() {
			return this.count;
		}

		/** Gives the permits back; calls after the first do nothing. */
		@Override
		public void close() {
			if (!this.released) {
				this.released = true;
				Bulkhead.this.permits.giveBack(this.count);
			}
		}

	}

	/**
	 * The permits. The AQS state packs, from the top bit down: whether the semaphore is
	 * shut down (the sign bit), the limit (31 bits) and the free permits (32 bits,
	 * negative after the limit was lowered below what is in use).
	 */
	private static final class Permits extends AbstractQueuedLongSynchronizer {

		private static final long serialVersionUID = 1L;

		private static final long SHUT = Long.MIN_VALUE;

		/**
		 * Whether the calling thread's last acquire that succeeded took permits, or was
		 * let through without them (by the shutdown, or by a limit below its count).
		 */
		private static final ThreadLocal<boolean[]> TOOK = ThreadLocal.withInitial(() -> new boolean[1]);

		private final boolean fair;

		Permits(int permits, boolean fair) {
			setState(pack(false, permits, permits));
			this.fair = fair;
		}

		static long pack(boolean shutdown, int limit, int available) {
			return (shutdown ? SHUT : 0) | ((long) limit << 32) | (available & 0xFFFF_FFFFL);
		}

		static boolean isShutdown(long state) {
			return state < 0;
		}

		static int limit(long state) {
			return (int) ((state >>> 32) & Integer.MAX_VALUE);
		}

		static int available(long state) {
			return (int) state;
		}

		long state() {
			return getState();
		}

		int limit() {
			return limit(getState());
		}

		boolean isShutdown() {
			return isShutdown(getState());
		}

		int waiting() {
			return getQueueLength();
		}

		/**
		 * Takes permits if they are free now, barging past waiters; false once shut down
		 * or over the limit.
		 */
		boolean tryTake(int count) {
			while (true) {
				long state = getState();
				int left = available(state) - count;
				if (isShutdown(state) || left < 0 || count > limit(state)) {
					return false;
				}
				if (compareAndSetState(state, pack(false, limit(state), left))) {
					return true;
				}
			}
		}

		@Override
		protected long tryAcquireShared(long arg) {
			int count = (int) arg;
			while (true) {
				long state = getState();
				if (isShutdown(state) || count > limit(state)) {
					TOOK.get()[0] = false;
					return 1;
				}
				if (this.fair && hasQueuedPredecessors()) {
					return -1;
				}
				int left = available(state) - count;
				if (left < 0) {
					return -1;
				}
				if (compareAndSetState(state, pack(false, limit(state), left))) {
					TOOK.get()[0] = true;
					// left > 0: the next waiter may find enough too
					return left;
				}
			}
		}

		static boolean takenByThisThread() {
			return TOOK.get()[0];
		}

		@Override
		protected boolean tryReleaseShared(long arg) {
			int count = (int) arg;
			while (true) {
				long state = getState();
				if (isShutdown(state) || count == 0) {
					// nothing is counted any more, or a wake-up only: pass it along
					return true;
				}
				// cannot pass the limit while permits come back as they were taken;
				// saturating all the
				// same, so that no release can ever throw
				int next = (int) Math.min(Integer.MAX_VALUE, (long) available(state) + count);
				if (compareAndSetState(state, pack(false, limit(state), next))) {
					return true;
				}
			}
		}

		void giveBack(int count) {
			releaseShared(count);
		}

		void setLimit(int limit) {
			while (true) {
				long state = getState();
				if (isShutdown(state)) {
					// recorded, for what the bulkhead reports; nothing is counted any
					// more
					if (compareAndSetState(state, pack(true, limit, available(state)))) {
						return;
					}
					continue;
				}
				long available = (long) available(state) + limit - limit(state);
				int next = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, available));
				if (compareAndSetState(state, pack(false, limit, next))) {
					break;
				}
			}
			// more permits let waiters in; a lower limit refuses those whose count it
			// exceeds
			releaseShared(0);
		}

		/**
		 * Shuts an idle semaphore (no permit held, nobody waiting) for its key's
		 * eviction; false if it is in use.
		 */
		boolean retireIfIdle() {
			while (true) {
				long state = getState();
				if (isShutdown(state)) {
					return true;
				}
				if (available(state) != limit(state) || hasQueuedThreads()) {
					return false;
				}
				if (compareAndSetState(state, state | SHUT)) {
					// anyone who queued meanwhile is let through, and goes to the key's
					// new
					// semaphore
					releaseShared(0);
					return true;
				}
			}
		}

		void shutdown() {
			while (true) {
				long state = getState();
				if (isShutdown(state)) {
					return;
				}
				if (compareAndSetState(state, state | SHUT)) {
					break;
				}
			}
			// wakes the first waiter, which is let through and wakes the next, and so on
			releaseShared(0);
		}

	}

}
