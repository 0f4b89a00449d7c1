package dev.sluice.pool;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

/**
 * A pool's {@link TaskObserver} as the pool calls it: an observer that fails never costs
 * a task. A {@code start()} that throws (or returns {@code null}) leaves the task to run
 * without its observation; a {@code Run.end} that throws leaves the task's outcome as the
 * body made it. Either failure is logged, on {@link WorkerPool}'s logger at
 * {@code WARNING}: the first with its stack trace, then at most one line a minute that
 * says how many failed meanwhile and the latest, so a broken observer cannot flood the
 * log from every task. Thread-safe: every worker calls it at once.
 */
final class GuardedObserver {

	private static final System.Logger logger = System.getLogger(WorkerPool.class.getName());

	/** How often a failing observer is logged at most, after its first failure. */
	static final long LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

	private static final long NEVER = Long.MIN_VALUE;

	private final String pool;

	private final TaskObserver observer;

	/** Failures since the last line logged. */
	private final AtomicLong notLogged = new AtomicLong();

	/** When the last line was logged; {@link #NEVER} before the first. */
	private final AtomicLong lastLogged = new AtomicLong(NEVER);

	GuardedObserver(String pool, TaskObserver observer) {
		this.pool = pool;
		this.observer = observer;
	}

	/**
	 * Starts the observation of a task about to run on the calling thread.
	 * @return its run, or {@code null} if the observer failed: the task then runs without
	 * it
	 */
	TaskObserver.@Nullable Run start() {
		try {
			TaskObserver.Run run = this.observer.start();
			if (run == null) {
				throw new NullPointerException("The task observer's start() returned null");
			}
			return run;
		}
		catch (Throwable ex) {
			failed("start()", "the task runs without its observation", ex);
			return null;
		}
	}

	/**
	 * Ends what {@link #start()} began, if it began anything; never throws, so the task's
	 * outcome stays its body's.
	 */
	void end(TaskObserver.@Nullable Run run, @Nullable Throwable failure) {
		if (run == null) {
			return;
		}
		try {
			run.end(failure);
		}
		catch (Throwable ex) {
			failed("end()", "the task's outcome is its own", ex);
		}
	}

	private void failed(String call, String consequence, Throwable ex) {
		try {
			long now = System.nanoTime();
			this.notLogged.incrementAndGet();
			long last = this.lastLogged.get();
			if (last != NEVER && now - last < LOG_INTERVAL_NANOS) {
				return;
			}
			// of two workers that both find the time up, only one logs
			if (!this.lastLogged.compareAndSet(last, now)) {
				return;
			}
			long count = this.notLogged.getAndSet(0);
			String who = "The task observer of pool '" + this.pool + "' (" + this.observer + ")";
			if (last == NEVER) {
				logger.log(System.Logger.Level.WARNING, who + " failed in " + call + "; " + consequence
						+ " (further failures are summed up at most once a minute)", ex);
			}
			else {
				logger.log(System.Logger.Level.WARNING,
						who + " failed " + count
								+ " times in the last minute or more; every task ran all the same. Latest, in " + call
								+ ": " + ex);
			}
		}
		catch (Throwable ignored) {
			// a failing log must not cost the task either
		}
	}

	@Override
	public String toString() {
		return this.observer.toString();
	}

}
