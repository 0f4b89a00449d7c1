package dev.sluice.semaphore;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.AbstractQueuedSynchronizer;
import java.util.concurrent.atomic.LongAdder;

import dev.sluice.lifecycle.Gate;
import dev.sluice.timeout.Deadline;

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
 * <li>{@link #acquire(int, Duration)} waits up to a timeout and throws {@link BulkheadException}
 * (reason {@code FULL}) if the permits did not come; {@link #tryAcquire(int)} never waits.</li>
 * <li>An acquire interrupted while it waits throws {@link InterruptedException} and holds nothing.</li>
 * <li>A {@link Permit} is released by {@code close()} exactly once, however often it is closed.</li>
 * <li>{@link #setPermits(int)} changes the limit at once; lowering it below what is in use makes new
 * acquires wait until enough permits come back.</li>
 * <li>When the bulkhead shuts down ({@link #stopIntake()}), every waiting caller wakes with a
 * {@link BulkheadException} of reason {@code SHUT_DOWN}, and so does every later acquire.</li>
 * </ul>
 *
 * <p>Design notes. The permits are a counting semaphore of Sluice's own on
 * {@link AbstractQueuedSynchronizer}, fair or not as configured, as
 * {@link java.util.concurrent.Semaphore} is, with one difference: it can be shut down. Shutdown
 * flips a flag inside it, after which every acquire succeeds at once without taking anything, so
 * that waiters wake one after another (shared-mode propagation) and find the bulkhead shut down.
 * (Waking them with a flood of released permits would overflow the count for limits above about
 * 2^30, and the {@code Error} a {@code Semaphore} throws then would reach every later release.) The
 * fast path (permits free now) is one CAS and nothing else; metrics are only recorded on the slow
 * path, so watching a bulkhead costs nothing when it is not full.
 */
public final class Bulkhead implements Gate {

	private final String name;

	private final BulkheadConfig config;

	private final Permits permits;

	/** Written under this, read without a lock. */
	private volatile int limit;

	private volatile boolean shutDown;

	private final LongAdder waited = new LongAdder();

	private final LongAdder waitNanos = new LongAdder();

	private final LongAdder rejected = new LongAdder();

	private Bulkhead(String name, BulkheadConfig config) {
		if (name == null || name.isBlank()) {
			throw new IllegalArgumentException("name must not be blank");
		}
		this.name = name;
		this.config = Objects.requireNonNull(config, "config");
		this.limit = config.permits();
		this.permits = new Permits(config.permits(), config.fair());
	}

	/** Creates a bulkhead with the given name and settings. */
	public static Bulkhead create(String name, BulkheadConfig config) {
		return new Bulkhead(name, config);
	}

	@Override
	public String name() {
		return this.name;
	}

	/** The settings the bulkhead was created with; {@link #permits()} is the current limit. */
	public BulkheadConfig config() {
		return this.config;
	}

	/** The current limit. */
	public int permits() {
		return this.limit;
	}

	/**
	 * Takes one permit, waiting up to the configured acquire timeout.
	 * @throws BulkheadException if no permit came in time, or the bulkhead is shut down
	 * @throws InterruptedException if the caller was interrupted while it waited; it holds nothing
	 */
	public Permit acquire() throws InterruptedException {
		// kept small so that it inlines, and a permit that does not escape the caller is never allocated
		if (!this.shutDown && fastAcquire(1)) {
			return new Permit(1);
		}
		return acquireSlowly(1, this.config.acquireTimeout());
	}

	/**
	 * Takes several permits at once, waiting up to the given timeout.
	 * @param count how many permits; at least 1 and at most the limit
	 * @throws BulkheadException if the permits did not come in time, or the bulkhead is shut down
	 * @throws InterruptedException if the caller was interrupted while it waited; it holds nothing
	 */
	public Permit acquire(int count, Duration timeout) throws InterruptedException {
		checkCount(count);
		Objects.requireNonNull(timeout, "timeout");
		if (!this.shutDown && fastAcquire(count)) {
			return new Permit(count);
		}
		return acquireSlowly(count, timeout);
	}

	private Permit acquireSlowly(int count, Duration timeout) throws InterruptedException {
		if (this.shutDown) {
			throw shutDownException();
		}
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
		if (!acquired) {
			this.rejected.increment();
			throw new BulkheadException(this.name, BulkheadException.Reason.FULL,
					"Bulkhead '" + this.name + "' had no " + count + " free permit" + ((count == 1) ? "" : "s")
							+ " within " + timeout + " (" + permits() + " permits, all in use)");
		}
		if (this.shutDown) {
			// woken by the shutdown, holding nothing, or took real permits at that moment: either way
			// nothing will ever be acquired again, so nothing needs giving back
			throw shutDownException();
		}
		return new Permit(count);
	}

	/** Takes one permit if one is free now; never waits. */
	public Optional<Permit> tryAcquire() {
		return tryAcquire(1);
	}

	/** Takes several permits if they are free now; never waits. */
	public Optional<Permit> tryAcquire(int count) {
		checkCount(count);
		if (this.shutDown) {
			throw shutDownException();
		}
		if (fastAcquire(count)) {
			return Optional.of(new Permit(count));
		}
		this.rejected.increment();
		return Optional.empty();
	}

	/**
	 * Runs the work while holding one permit, waiting up to the configured acquire timeout for it.
	 * @throws BulkheadException if no permit came in time, or the bulkhead is shut down
	 */
	public <T> T call(Callable<T> work) throws Exception {
		acquireOne();
		try {
			return work.call();
		}
		finally {
			this.permits.giveBack(1);
		}
	}

	/**
	 * Runs the work while holding one permit, waiting up to the configured acquire timeout for it.
	 * @throws BulkheadException if no permit came in time, or the bulkhead is shut down
	 * @throws InterruptedException if the caller was interrupted while it waited
	 */
	public void run(Runnable work) throws InterruptedException {
		acquireOne();
		try {
			work.run();
		}
		finally {
			this.permits.giveBack(1);
		}
	}

	private void acquireOne() throws InterruptedException {
		if (this.shutDown || !fastAcquire(1)) {
			acquireSlowly(1, this.config.acquireTimeout()).detach();
		}
	}

	private boolean fastAcquire(int count) {
		// the untimed tryAcquire barges past waiters, which a fair bulkhead must not do
		if (this.config.fair() && this.permits.hasQueuedThreads()) {
			return false;
		}
		// false once shut down, so the caller goes the slow way and is refused
		return this.permits.tryTake(count);
	}

	/**
	 * Changes the limit. Raising it lets waiters in at once; lowering it takes effect as permits come
	 * back.
	 * @param newLimit at least 1
	 */
	public synchronized void setPermits(int newLimit) {
		if (newLimit < 1) {
			throw new IllegalArgumentException("permits must be at least 1, was " + newLimit);
		}
		int delta = newLimit - this.limit;
		if (delta > 0) {
			this.permits.giveBack(delta);
		}
		else if (delta < 0) {
			this.permits.reduce(-delta);
		}
		this.limit = newLimit;
	}

	/** A snapshot of the bulkhead's live state and counters. */
	public BulkheadStats stats() {
		int limit = permits();
		int available = this.shutDown ? 0 : Math.max(0, this.permits.available());
		return new BulkheadStats(this.name, limit, available, this.shutDown ? 0 : Math.max(0, limit - available),
				this.permits.waiting(), this.waited.sum(), Duration.ofNanos(this.waitNanos.sum()),
				this.rejected.sum(), this.shutDown);
	}

	/** Whether the bulkhead has shut down. */
	public boolean isShutDown() {
		return this.shutDown;
	}

	/** Fails every waiting and later acquire with a {@link BulkheadException} of reason {@code SHUT_DOWN}. */
	@Override
	public synchronized void stopIntake() {
		if (!this.shutDown) {
			this.shutDown = true;
			this.permits.shutDown();
		}
	}

	private void checkCount(int count) {
		if (count < 1) {
			throw new IllegalArgumentException("count must be at least 1, was " + count);
		}
		int limit = permits();
		if (count > limit) {
			throw new IllegalArgumentException(
					"Bulkhead '" + this.name + "' has " + limit + " permits; " + count + " can never be acquired");
		}
	}

	private BulkheadException shutDownException() {
		this.rejected.increment();
		return new BulkheadException(this.name, BulkheadException.Reason.SHUT_DOWN,
				"Bulkhead '" + this.name + "' is shut down and gives no more permits");
	}

	@Override
	public String toString() {
		return "Bulkhead[" + this.name + ", " + this.config + "]";
	}

	/**
	 * Permits held from a {@link Bulkhead}. {@link #close()} gives them back once; calls after the
	 * first do nothing. A permit belongs to the thread that holds it, as try-with-resources uses it:
	 * closing one permit from two threads at once is not supported.
	 */
	public final class Permit implements AutoCloseable {

		private final int count;

		/** Touched only by the thread that holds the permit; no atomic needed on the hot path. */
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

		/** Marks the permit released without giving anything back: the caller releases itself. */
		private void detach() {
			this.released = true;
		}
	}

	/**
	 * The permits: AQS state is the number available (negative after a reduction below what is in
	 * use), as in {@link java.util.concurrent.Semaphore}; plus a shutdown flag under which every
	 * acquire succeeds at once without taking anything.
	 */
	private static final class Permits extends AbstractQueuedSynchronizer {

		private static final long serialVersionUID = 1L;

		private final boolean fair;

		private volatile boolean shutDown;

		Permits(int permits, boolean fair) {
			setState(permits);
			this.fair = fair;
		}

		/** Takes permits if they are free now, barging past waiters; false once shut down. */
		boolean tryTake(int count) {
			while (!this.shutDown) {
				int available = getState();
				int left = available - count;
				if (left < 0) {
					return false;
				}
				if (compareAndSetState(available, left)) {
					return true;
				}
			}
			return false;
		}

		@Override
		protected int tryAcquireShared(int count) {
			while (true) {
				if (this.shutDown) {
					return 1;
				}
				if (this.fair && hasQueuedPredecessors()) {
					return -1;
				}
				int available = getState();
				int left = available - count;
				if (left < 0 || compareAndSetState(available, left)) {
					return left;
				}
			}
		}

		@Override
		protected boolean tryReleaseShared(int count) {
			while (true) {
				int available = getState();
				// cannot pass the limit while permits come back as they were taken; saturating all the
				// same, so that no release can ever throw
				int next = (int) Math.min(Integer.MAX_VALUE, (long) available + count);
				if (compareAndSetState(available, next)) {
					return true;
				}
			}
		}

		void giveBack(int count) {
			releaseShared(count);
		}

		void reduce(int reduction) {
			while (true) {
				int available = getState();
				int next = (int) Math.max(Integer.MIN_VALUE, (long) available - reduction);
				if (compareAndSetState(available, next)) {
					return;
				}
			}
		}

		void shutDown() {
			this.shutDown = true;
			// wakes the first waiter, which succeeds and wakes the next, and so on
			releaseShared(0);
		}

		int available() {
			return getState();
		}

		int waiting() {
			return getQueueLength();
		}
	}
}
