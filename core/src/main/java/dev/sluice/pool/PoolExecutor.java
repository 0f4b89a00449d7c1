package dev.sluice.pool;

import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.UnaryOperator;

import dev.sluice.context.CapturedContext;
import dev.sluice.timeout.Deadline;
import org.jspecify.annotations.Nullable;

/**
 * The {@link ThreadPoolExecutor} under a {@link WorkerPool}: a fixed number of workers, a
 * bounded number of waiting tasks, the pool's overflow policy, and the counters behind
 * the pool's metrics.
 *
 * <p>
 * Design notes. The JDK executor does the hard part (worker life cycle, queue hand-off,
 * shutdown); this class adds only what it lacks. The bound is an admission semaphore of
 * {@code workers + queueCapacity} places rather than the queue's own capacity, for two
 * reasons: a large queue (a {@link LinkedBlockingQueue} beyond
 * {@value #ARRAY_QUEUE_LIMIT} places; a small one is an array, which is faster) then
 * grows with what it holds instead of being allocated whole, and a task's place can be
 * given back when its body ends, before its future completes, so that a caller who waits
 * for one task and submits the next always finds its place free (with a
 * {@code SynchronousQueue} the worker had to be parked in {@code take()} already, which
 * it is not yet when the future completes). A {@link InterruptibleTask} gives its place
 * back itself (body ended, or cancelled before it started); any other task when
 * {@code afterExecute} runs. Counters are {@link LongAdder}s written by the workers and
 * read by metrics, so the task path takes no lock beyond the semaphore's CAS and the
 * queue's.
 *
 * <p>
 * Every task is prepared for its hand-off on the submitting thread, before it is
 * admitted: the submitter's context is captured and the task decorator applied (and the
 * observer, if the pool has one, kept with it). An {@link InterruptibleTask} keeps both
 * in fields and stays the queued object itself (so it can still be cancelled, dequeued
 * and run by a helping join); any other {@code Runnable} is queued in a
 * {@link HandedOver} that remembers the original, which is what abandoning looks at.
 * Without a decorator or an observer and with propagation off nothing is done at all.
 */
final class PoolExecutor extends ThreadPoolExecutor {

	/**
	 * Most places for which the queue is an array allocated whole (16 KB of references at
	 * most).
	 */
	private static final int ARRAY_QUEUE_LIMIT = 4096;

	/** How often a submitter waiting for a place looks whether the pool has shut down. */
	private static final long WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

	/**
	 * The pool each worker thread belongs to, so a wait on a worker can tell it must
	 * help.
	 */
	private static final ThreadLocal<PoolExecutor> WORKER_OF = new ThreadLocal<>();

	private final String poolName;

	private final PoolConfig config;

	/** Wraps the body of every task on the submitting thread; {@code null} for none. */
	private final @Nullable UnaryOperator<Runnable> decorator;

	/**
	 * Watches every task as it runs, never at the cost of one; {@code null} for none.
	 */
	private final @Nullable GuardedObserver observer;

	/** Places for tasks running or waiting: workers + queue capacity. */
	private final Semaphore admission;

	private final ThreadLocal<long[]> taskStart = ThreadLocal.withInitial(() -> new long[1]);

	final LongAdder completed = new LongAdder();

	final LongAdder taskNanos = new LongAdder();

	final LongAdder rejected = new LongAdder();

	final LongAdder callerRuns = new LongAdder();

	final LongAdder abandoned = new LongAdder();

	/**
	 * Set once abandoning begins: every task that ends after that is counted as
	 * abandoned.
	 */
	volatile boolean abandoning;

	final LongAdder endedWhileAbandoning = new LongAdder();

	PoolExecutor(String poolName, PoolConfig config, ThreadFactory threadFactory,
			@Nullable UnaryOperator<Runnable> decorator, @Nullable TaskObserver observer) {
		this(poolName, config, new Workers(threadFactory), decorator, observer);
	}

	private PoolExecutor(String poolName, PoolConfig config, Workers workers,
			@Nullable UnaryOperator<Runnable> decorator, @Nullable TaskObserver observer) {
		super(config.workers(), config.workers(), 60, TimeUnit.SECONDS, queue(config), workers);
		workers.pool = this;
		this.poolName = poolName;
		this.config = config;
		this.decorator = decorator;
		this.observer = (observer != null) ? new GuardedObserver(poolName, observer) : null;
		this.admission = new Semaphore(
				(int) Math.min(Integer.MAX_VALUE, (long) config.workers() + config.queueCapacity()));
		setRejectedExecutionHandler((task, executor) -> {
			// the queue has room for every admitted task, so the executor itself refuses
			// only when it
			// has shut down
			this.rejected.increment();
			if (!isShutdown()) {
				throw new TaskRejectedException(this.poolName, TaskRejectedException.Reason.QUEUE_FULL,
						"Pool '" + this.poolName + "' found its queue full although a place was free", null);
			}
			throw shutdownRefusal();
		});
	}

	/**
	 * Room for every task the admission lets in, so that the queue itself never refuses
	 * one: an array while that is small (one lock, no node per task, which is faster
	 * under a burst), nodes that come and go with what it holds beyond that.
	 */
	private static BlockingQueue<Runnable> queue(PoolConfig config) {
		long places = (long) config.workers() + config.queueCapacity();
		return (places <= ARRAY_QUEUE_LIMIT) ? new ArrayBlockingQueue<>((int) places) : new LinkedBlockingQueue<>();
	}

	/** Whether the calling thread is one of this pool's workers. */
	boolean isWorker() {
		return WORKER_OF.get() == this;
	}

	/** Queue places left: the configured capacity less the tasks waiting now. */
	int queueRemaining() {
		return Math.max(0, this.config.queueCapacity() - getQueue().size());
	}

	/** Accepts a task, applying the pool's overflow policy if every place is taken. */
	@Override
	public void execute(Runnable task) {
		task = prepare(Objects.requireNonNull(task, "task"));
		if (this.admission.tryAcquire()) {
			admit(task);
			return;
		}
		if (isShutdown()) {
			this.rejected.increment();
			throw shutdownRefusal();
		}
		switch (this.config.overflow()) {
			case CALLER_RUNS -> {
				this.callerRuns.increment();
				task.run();
			}
			case REJECT -> {
				this.rejected.increment();
				throw new TaskRejectedException(this.poolName, TaskRejectedException.Reason.QUEUE_FULL,
						"Pool '" + this.poolName + "' rejected a task: all " + this.config.workers()
								+ " workers are busy and the queue is full (queue-capacity "
								+ this.config.queueCapacity() + ", overflow reject)",
						null);
			}
			case BLOCK -> {
				awaitPlace();
				admit(task);
			}
		}
	}

	/**
	 * Accepts the task only if a place is free now, without the overflow policy: never
	 * waits and never runs the task on the caller.
	 * @return whether it was accepted; false if every place is taken or the pool has shut
	 * down
	 * @throws TaskRejectedException if the pool shut down at this very moment
	 */
	boolean tryExecute(Runnable task) {
		Objects.requireNonNull(task, "task");
		if (isShutdown() || !this.admission.tryAcquire()) {
			return false;
		}
		try {
			task = prepare(task);
		}
		catch (RuntimeException | Error ex) {
			this.admission.release();
			throw ex;
		}
		admit(task);
		return true;
	}

	/**
	 * Makes the task ready to run on another thread, on the submitting one: the
	 * submitter's context captured (unless the pool does not propagate it) and the
	 * decorator applied. An interruptible task keeps both in itself; another is wrapped.
	 */
	private Runnable prepare(Runnable task) {
		boolean propagate = this.config.propagateContext();
		if (task instanceof InterruptibleTask<?> interruptible) {
			interruptible.prepare(propagate, this.decorator, this.observer);
			return interruptible;
		}
		CapturedContext context = propagate ? CapturedContext.capture() : null;
		if (context != null && context.isEmpty()) {
			context = null;
		}
		if (context == null && this.decorator == null && this.observer == null) {
			return task;
		}
		Runnable decorated = (this.decorator != null)
				? Objects.requireNonNull(this.decorator.apply(task), "the task decorator returned null") : task;
		return new HandedOver(task, decorated, context, this.observer);
	}

	/**
	 * The task as submitted, for a queued task that may have been wrapped in a
	 * {@link HandedOver}.
	 */
	static Runnable original(Runnable queued) {
		return (queued instanceof HandedOver handedOver) ? handedOver.task : queued;
	}

	/**
	 * Hands a task that holds a place to the executor; the place goes back if it refuses.
	 */
	private void admit(Runnable task) {
		InterruptibleTask<?> interruptible = (task instanceof InterruptibleTask<?> it) ? it : null;
		if (interruptible != null) {
			interruptible.holdSlot(this);
		}
		try {
			super.execute(task);
		}
		catch (RuntimeException | Error ex) {
			if (interruptible == null) {
				this.admission.release();
			}
			else {
				interruptible.cancelIfNotStarted();
				interruptible.releaseSlot();
			}
			throw ex;
		}
	}

	/**
	 * Gives back the place of a task; one cancelled while it waits also leaves the queue.
	 */
	void giveBack(InterruptibleTask<?> task, boolean dequeue) {
		// out of the queue before the place is free, so the queue always has room for
		// what is admitted
		if (dequeue) {
			getQueue().remove(task);
		}
		this.admission.release();
	}

	private void awaitPlace() {
		long deadline = System.nanoTime() + Deadline.cap(this.config.submitTimeout());
		try {
			// wait in slices, so that a shutdown that begins meanwhile refuses the task
			// promptly
			long left;
			while ((left = deadline - System.nanoTime()) > 0) {
				if (isShutdown()) {
					this.rejected.increment();
					throw shutdownRefusal();
				}
				if (this.admission.tryAcquire(Math.min(left, WAIT_SLICE_NANOS), TimeUnit.NANOSECONDS)) {
					return;
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.rejected.increment();
			throw new TaskRejectedException(
					this.poolName, TaskRejectedException.Reason.INTERRUPTED, "Pool '" + this.poolName
							+ "' rejected a task: the submitter was interrupted while it waited" + " for queue space",
					ex);
		}
		this.rejected.increment();
		throw new TaskRejectedException(this.poolName, TaskRejectedException.Reason.TIMED_OUT,
				"Pool '" + this.poolName + "' rejected a task: every worker stayed busy and the queue stayed full"
						+ " for the whole submit-timeout of " + this.config.submitTimeout() + " (queue-capacity "
						+ this.config.queueCapacity() + ", overflow block)",
				null);
	}

	@Override
	protected void beforeExecute(Thread worker, Runnable task) {
		this.taskStart.get()[0] = System.nanoTime();
	}

	@Override
	protected void afterExecute(Runnable task, @Nullable Throwable failure) {
		if (task instanceof InterruptibleTask<?> interruptible) {
			if (!interruptible.ranHere()) {
				// cancelled while it waited, or run by a helping join: not a task this
				// worker ran
				return;
			}
		}
		else {
			this.admission.release();
		}
		this.taskNanos.add(System.nanoTime() - this.taskStart.get()[0]);
		this.completed.increment();
		if (this.abandoning) {
			this.endedWhileAbandoning.increment();
		}
	}

	TaskRejectedException shutdownRefusal() {
		return new TaskRejectedException(this.poolName, TaskRejectedException.Reason.SHUT_DOWN,
				"Pool '" + this.poolName + "' is shut down and accepts no new tasks", null);
	}

	/**
	 * A plain task on its way to a worker: the task as submitted (what abandoning cancels
	 * if it is a future), the task as the decorator made it, the submitter's context, and
	 * the pool's observer.
	 */
	static final class HandedOver implements Runnable {

		final Runnable task;

		private final Runnable decorated;

		private final @Nullable CapturedContext context;

		private final @Nullable GuardedObserver observer;

		HandedOver(Runnable task, Runnable decorated, @Nullable CapturedContext context,
				@Nullable GuardedObserver observer) {
			this.task = task;
			this.decorated = decorated;
			this.context = context;
			this.observer = observer;
		}

		@Override
		public void run() {
			if (this.context == null) {
				observed();
				return;
			}
			try (CapturedContext.Scope scope = this.context.restore()) {
				observed();
			}
		}

		private void observed() {
			if (this.observer == null) {
				this.decorated.run();
				return;
			}
			TaskObserver.Run run = this.observer.start();
			try {
				this.decorated.run();
			}
			catch (Throwable ex) {
				this.observer.end(run, ex);
				throw ex;
			}
			this.observer.end(run, null);
		}

		@Override
		public String toString() {
			return this.task.toString();
		}

	}

	/**
	 * Makes the workers, each marked as this pool's so that {@link #isWorker()} can tell.
	 */
	private static final class Workers implements ThreadFactory {

		private final ThreadFactory threads;

		/** Set once the executor exists, before it can start a worker. */
		@Nullable PoolExecutor pool;

		Workers(ThreadFactory threads) {
			this.threads = threads;
		}

		@Override
		public Thread newThread(Runnable worker) {
			PoolExecutor pool = this.pool;
			return this.threads.newThread(() -> {
				WORKER_OF.set(pool);
				worker.run();
			});
		}

	}

}
