package dev.sluice.pool;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import dev.sluice.timeout.Deadline;

/**
 * The {@link ThreadPoolExecutor} under a {@link WorkerPool}: a fixed number of workers, a bounded
 * queue, the pool's overflow policy as its rejection handler, and the counters behind the pool's
 * metrics.
 *
 * <p>Design notes. The JDK executor does the hard part (worker life cycle, queue hand-off,
 * shutdown); this class adds only what it lacks. Counters are {@link LongAdder}s written by the
 * workers and read by metrics, so that the task path takes no lock. Task time is measured between
 * {@code beforeExecute} and {@code afterExecute}, which run on the same worker thread.
 */
final class PoolExecutor extends ThreadPoolExecutor {

	/** Thrown to {@link WorkerPool#tryExecute} when an optional task finds no room; never escapes. */
	private static final RejectedExecutionException NO_ROOM = new RejectedExecutionException("no room") {
		private static final long serialVersionUID = 1L;

		@Override
		public synchronized Throwable fillInStackTrace() {
			return this;
		}
	};

	/** How often a submitter waiting for queue space looks whether the pool has shut down. */
	private static final long WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

	private final String poolName;

	private final PoolConfig config;

	private final ThreadLocal<long[]> taskStart = ThreadLocal.withInitial(() -> new long[1]);

	final LongAdder completed = new LongAdder();

	final LongAdder taskNanos = new LongAdder();

	final LongAdder rejected = new LongAdder();

	final LongAdder callerRuns = new LongAdder();

	final LongAdder abandoned = new LongAdder();

	/** Set once abandoning begins: every task that ends after that is counted as abandoned. */
	volatile boolean abandoning;

	final LongAdder endedWhileAbandoning = new LongAdder();

	PoolExecutor(String poolName, PoolConfig config, ThreadFactory threadFactory) {
		super(config.workers(), config.workers(), 60, TimeUnit.SECONDS, queue(config.queueCapacity()),
				threadFactory);
		this.poolName = poolName;
		this.config = config;
		setRejectedExecutionHandler(new Overflow());
	}

	private static BlockingQueue<Runnable> queue(int capacity) {
		return (capacity == 0) ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(capacity);
	}

	/** Runs the task if a worker or queue place is free now, without applying the overflow policy. */
	boolean tryExecute(OptionalTask task) {
		try {
			execute(task);
			return true;
		}
		catch (RejectedExecutionException ex) {
			if (ex == NO_ROOM) {
				return false;
			}
			throw ex;
		}
	}

	@Override
	protected void beforeExecute(Thread worker, Runnable task) {
		this.taskStart.get()[0] = System.nanoTime();
	}

	@Override
	protected void afterExecute(Runnable task, Throwable failure) {
		this.taskNanos.add(System.nanoTime() - this.taskStart.get()[0]);
		this.completed.increment();
		if (this.abandoning) {
			this.endedWhileAbandoning.increment();
		}
	}

	TaskRejectedException shutDown() {
		return new TaskRejectedException(this.poolName, TaskRejectedException.Reason.SHUT_DOWN,
				"Pool '" + this.poolName + "' is shut down and accepts no new tasks", null);
	}

	/** A task that the pool may decline instead of applying its overflow policy. */
	interface OptionalTask extends Runnable {
	}

	/** Applies the pool's overflow policy when every worker is busy and the queue is full. */
	private final class Overflow implements RejectedExecutionHandler {

		@Override
		public void rejectedExecution(Runnable task, ThreadPoolExecutor executor) {
			if (task instanceof OptionalTask) {
				throw NO_ROOM;
			}
			if (isShutdown()) {
				rejected.increment();
				throw shutDown();
			}
			switch (config.overflow()) {
				case CALLER_RUNS -> {
					callerRuns.increment();
					task.run();
				}
				case REJECT -> {
					rejected.increment();
					throw new TaskRejectedException(poolName, TaskRejectedException.Reason.QUEUE_FULL,
							"Pool '" + poolName + "' rejected a task: all " + config.workers()
									+ " workers are busy and the queue is full (queue-capacity "
									+ config.queueCapacity() + ", overflow reject)",
							null);
				}
				case BLOCK -> waitForRoom(task);
			}
		}

		private void waitForRoom(Runnable task) {
			boolean queued = false;
			long deadline = System.nanoTime() + Deadline.cap(config.submitTimeout());
			try {
				// wait in slices, so that a shutdown that begins meanwhile refuses the task promptly
				long left;
				while (!queued && (left = deadline - System.nanoTime()) > 0) {
					if (isShutdown()) {
						rejected.increment();
						throw shutDown();
					}
					queued = getQueue().offer(task, Math.min(left, WAIT_SLICE_NANOS), TimeUnit.NANOSECONDS);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				rejected.increment();
				throw new TaskRejectedException(poolName, TaskRejectedException.Reason.INTERRUPTED,
						"Pool '" + poolName + "' rejected a task: the submitter was interrupted while it waited"
								+ " for queue space",
						ex);
			}
			if (!queued) {
				rejected.increment();
				throw new TaskRejectedException(poolName, TaskRejectedException.Reason.TIMED_OUT,
						"Pool '" + poolName + "' rejected a task: every worker stayed busy and the queue stayed full"
								+ " for the whole submit-timeout of " + config.submitTimeout() + " (queue-capacity "
								+ config.queueCapacity() + ", overflow block)",
						null);
			}
			// The pool may have begun to shut down while we waited; then the task must not stay queued
			// unnoticed. If a worker already took it, it is accepted and will run.
			if (isShutdown() && getQueue().remove(task)) {
				rejected.increment();
				throw shutDown();
			}
		}
	}
}
