package dev.sluice.pool;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import dev.sluice.context.CapturedContext;
import dev.sluice.timeout.Deadline;
import org.jspecify.annotations.Nullable;

/**
 * A group of tasks that succeed or fail together: Go's {@code errgroup}, in
 * try-with-resources.
 *
 * <pre>{@code
 * try (TaskGroup group = TaskGroup.on(pool)) {
 *     CompletableFuture<Customer> customer = group.fork(() -> customers.find(id));
 *     CompletableFuture<Stock> stock = group.fork(() -> inventory.check(id));
 *     group.join();  // throws the first failure; the other task has been interrupted
 *     return new View(customer.join(), stock.join());
 * }
 * }</pre>
 *
 * <ul>
 * <li>The first task to throw cancels the group: every other running task is interrupted,
 * tasks not yet started never start, and {@link #join()} throws that first exception,
 * wrapped in an {@link ExecutionException}. Tasks forked after that are not started. A
 * task that ends with an exception after the group cancelled it (by a failure, a
 * timed-out {@code join} or {@code close}) does not become the group's failure: its
 * future is already cancelled.</li>
 * <li>{@link #limit(int)} bounds how many tasks run at once: {@link #fork} then waits for
 * a free slot and {@link #tryFork} declines instead of waiting.</li>
 * <li>Tasks run on the given executor (such as a {@link WorkerPool}), or each on a thread
 * of its own from {@link #create()}.</li>
 * <li>{@link #close()} cancels what is still running and waits until every task has
 * ended, and, for a group with its own threads, until those threads have ended; so a
 * group never leaks a thread. Tasks must respond to interruption for this to be
 * quick.</li>
 * <li>Each task runs in the context of the thread that forked it: its {@link Deadline}
 * (so a task forked inside {@code Timeout.call} waits no longer than the caller may) and,
 * with Micrometer Context Propagation on the class path, every registered thread-local
 * ({@link CapturedContext}). On a {@link WorkerPool} the pool carries it, as its
 * {@code propagate-context} setting says; on threads of the group's own and on other
 * executors the group does.</li>
 * </ul>
 *
 * <p>
 * {@code fork}, {@code tryFork} and {@code join} may be called from any thread.
 *
 * <p>
 * Design notes. {@code lock} guards {@code outstanding} (tasks forked and not yet ended)
 * and {@code closed}, so a fork either counts before close looks, or sees the group
 * closed. Cancelling (which runs futures' dependent callbacks) always happens outside
 * {@code lock}. Waiting uses a {@link ReentrantLock} condition rather than a monitor, so
 * that joins on virtual threads do not pin their carrier thread.
 */
public final class TaskGroup implements AutoCloseable {

	private static final AtomicInteger GROUPS = new AtomicInteger();

	/** How often a helping wait looks again for a task it can run. */
	private static final long HELP_POLL_MILLIS = 1;

	/** Where tasks run; null for a group that starts a thread per task. */
	private final @Nullable Executor executor;

	/**
	 * Makes the threads of a {@link #create()} group; null for a group on an executor.
	 */
	private final @Nullable ThreadFactory threads;

	/** Threads of a {@link #create()} group whose task has not ended; joined on close. */
	private final Set<Thread> ownThreads = ConcurrentHashMap.newKeySet();

	/**
	 * Threads of a {@link #create()} group whose task has ended but that may not have
	 * ended themselves yet; joined on close, and pruned of dead ones as tasks are forked,
	 * so a long-lived group does not keep a thread per task.
	 */
	private final Queue<Thread> endingThreads = new ConcurrentLinkedQueue<>();

	private final Set<Task<?>> live = ConcurrentHashMap.newKeySet();

	private final AtomicReference<Throwable> failure = new AtomicReference<>();

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition allEnded = this.lock.newCondition();

	/** Guarded by lock: tasks forked and not yet ended. */
	private int outstanding;

	/** Guarded by lock: own threads counted by a fork that has not yet started them. */
	private int starting;

	/** Guarded by lock: joins that run this group's unstarted tasks while they wait. */
	private int helpers;

	/** Written under lock. */
	private volatile boolean closed;

	private volatile boolean cancelled;

	private volatile @Nullable Semaphore slots;

	private TaskGroup(@Nullable Executor executor, @Nullable ThreadFactory threads) {
		this.executor = executor;
		this.threads = threads;
	}

	/** A group whose tasks each run on a new platform thread of their own. */
	public static TaskGroup create() {
		String prefix = "sluice-group-" + GROUPS.incrementAndGet() + "-";
		AtomicInteger count = new AtomicInteger();
		return create((task) -> new Thread(task, prefix + count.incrementAndGet()));
	}

	/** A group whose tasks each run on a new thread from the factory. */
	static TaskGroup create(ThreadFactory threads) {
		return new TaskGroup(null, threads);
	}

	/** A group whose tasks run on the given executor, such as a {@link WorkerPool}. */
	public static TaskGroup on(Executor executor) {
		return new TaskGroup(Objects.requireNonNull(executor, "executor"), null);
	}

	/**
	 * Bounds how many of this group's tasks run at once (Go's {@code SetLimit}).
	 * @param limit at least 1
	 * @return this group
	 * @throws IllegalStateException if tasks of this group are running
	 */
	public TaskGroup limit(int limit) {
		if (limit < 1) {
			throw new IllegalArgumentException("limit must be at least 1, was " + limit);
		}
		this.lock.lock();
		try {
			if (this.outstanding > 0) {
				throw new IllegalStateException(
						"limit must be set before tasks are forked; " + this.outstanding + " are running");
			}
			this.slots = new Semaphore(limit);
		}
		finally {
			this.lock.unlock();
		}
		return this;
	}

	/**
	 * Starts a task in the group, first waiting for a free slot if a {@link #limit(int)}
	 * is set. If the group has already failed, the task is not started and its future is
	 * cancelled. If the calling thread is interrupted while it waits for a slot, the
	 * group is cancelled with that interruption as its failure, and the thread's
	 * interrupt status is kept.
	 * @return the task's future; {@code cancel(true)} interrupts it
	 * @throws IllegalStateException if the group is closed
	 * @throws RejectedExecutionException if the executor refuses the task; the group is
	 * not failed
	 */
	public <T> CompletableFuture<T> fork(Callable<T> task) {
		Objects.requireNonNull(task, "task");
		checkOpen();
		if (this.cancelled) {
			return cancelledFuture();
		}
		Semaphore slots = this.slots;
		if (slots != null) {
			try {
				acquireSlot(slots);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				fail(ex);
				return cancelledFuture();
			}
		}
		return start(task, slots);
	}

	/**
	 * Starts a task only if a slot is free now (Go's {@code TryGo}); without a limit it
	 * always starts. If the group has already failed, the task is not started and its
	 * future is cancelled.
	 * @return the task's future, or empty if every slot was taken
	 * @throws IllegalStateException if the group is closed
	 */
	public <T> Optional<CompletableFuture<T>> tryFork(Callable<T> task) {
		Objects.requireNonNull(task, "task");
		checkOpen();
		if (this.cancelled) {
			return Optional.of(cancelledFuture());
		}
		Semaphore slots = this.slots;
		if (slots != null && !slots.tryAcquire()) {
			return Optional.empty();
		}
		return Optional.of(start(task, slots));
	}

	private void acquireSlot(Semaphore slots) throws InterruptedException {
		if (!helps()) {
			slots.acquire();
			return;
		}
		// on a worker of the group's own pool, the slot may be held by a task queued
		// behind this very
		// thread: run unstarted tasks here until one is free
		while (!slots.tryAcquire()) {
			if (!runOneUnstarted()) {
				if (slots.tryAcquire(HELP_POLL_MILLIS, TimeUnit.MILLISECONDS)) {
					return;
				}
			}
		}
	}

	private <T> CompletableFuture<T> start(Callable<T> body, @Nullable Semaphore slots) {
		Task<T> task = new Task<>(body, slots);
		boolean ownThread = this.executor == null;
		if (!(this.executor instanceof WorkerPool)) {
			// a pool captures the context itself, as its setting says; anywhere else the
			// fork does
			task.carry(CapturedContext.capture());
		}
		this.lock.lock();
		try {
			if (this.closed) {
				if (slots != null) {
					slots.release();
				}
				throw new IllegalStateException("TaskGroup is closed");
			}
			if (this.cancelled) {
				// never counted, so a concurrent join does not wait for a task that
				// cannot run
				if (slots != null) {
					slots.release();
				}
				return cancelledFuture();
			}
			this.outstanding++;
			if (ownThread) {
				this.starting++;
			}
		}
		finally {
			this.lock.unlock();
		}
		try {
			this.live.add(task);
			if (this.cancelled) {
				task.cancel(true);
				return task;
			}
			try {
				if (ownThread) {
					startThread(task);
				}
				else {
					Objects.requireNonNull(this.executor).execute(task);
				}
			}
			catch (Throwable ex) {
				task.cancel(false);
				throw ex;
			}
		}
		finally {
			this.lock.lock();
			try {
				if (ownThread && --this.starting == 0 && this.outstanding == 0) {
					this.allEnded.signalAll();
				}
				if (this.helpers > 0) {
					// a helping join may be the only thread left to run this task
					this.allEnded.signalAll();
				}
			}
			finally {
				this.lock.unlock();
			}
		}
		return task;
	}

	private void startThread(Task<?> task) {
		this.endingThreads.removeIf((thread) -> !thread.isAlive());
		Thread thread = Objects.requireNonNull(this.threads).newThread(() -> {
			try {
				task.run();
			}
			finally {
				Thread self = Thread.currentThread();
				this.endingThreads.add(self);
				this.ownThreads.remove(self);
			}
		});
		this.ownThreads.add(thread);
		try {
			thread.start();
		}
		catch (Throwable ex) {
			this.ownThreads.remove(thread);
			throw ex;
		}
	}

	/**
	 * Whether the calling thread is a worker of the pool this group runs on, so a wait
	 * must help.
	 */
	private boolean helps() {
		return this.executor instanceof WorkerPool pool && pool.executor().isWorker();
	}

	/**
	 * Runs one task of this group that no worker has started yet, on the calling thread.
	 * @return whether it found one
	 */
	private boolean runOneUnstarted() {
		for (Task<?> task : this.live) {
			// only a task taken out of the pool's queue: one a worker has taken, or whose
			// fork has not
			// handed it to the pool yet, belongs to that worker or that fork
			if (task.isUnstarted() && ((WorkerPool) Objects.requireNonNull(this.executor)).executor().remove(task)) {
				task.run();
				return true;
			}
		}
		return false;
	}

	/**
	 * Waits until every forked task has ended. Called from a worker of the
	 * {@link WorkerPool} the group runs on, it runs the group's tasks that no worker has
	 * started yet itself while it waits (on this thread, within its deadline, as
	 * caller-runs would), so that groups nested on one pool never deadlock for want of a
	 * free worker.
	 * @throws ExecutionException with the first task failure as its cause, if a task
	 * failed
	 * @throws InterruptedException if the waiting thread is interrupted; the group is
	 * cancelled
	 */
	public void join() throws InterruptedException, ExecutionException {
		try {
			awaitEnded(Long.MAX_VALUE);
		}
		catch (InterruptedException ex) {
			cancel();
			throw ex;
		}
		throwFailure();
	}

	/**
	 * Waits until every forked task has ended, or the timeout passes (or the
	 * {@link dev.sluice.timeout.Deadline} of the work it runs in); then the group is
	 * cancelled. Helps as {@link #join()} does; a task it runs itself may take it past
	 * the timeout.
	 * @throws ExecutionException with the first task failure as its cause, if a task
	 * failed before the timeout passed
	 * @throws TimeoutException if tasks were still running when the timeout passed, and
	 * none had failed; a task that fails while they are being cancelled does not change
	 * that
	 * @throws InterruptedException if the waiting thread is interrupted; the group is
	 * cancelled
	 */
	public void join(Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
		Objects.requireNonNull(timeout, "timeout");
		int running;
		try {
			running = awaitEnded(Deadline.cap(timeout));
		}
		catch (InterruptedException ex) {
			cancel();
			throw ex;
		}
		if (running > 0) {
			// a failure that ends while the cancel interrupts (a task failing because
			// another was stopped) is the timeout's consequence: only one from before
			// counts
			Throwable before = this.failure.get();
			cancel();
			if (before != null) {
				throw new ExecutionException("A task of the group failed: " + before, before);
			}
			throw new TimeoutException(
					"TaskGroup: " + running + " tasks still running after " + timeout + "; they have been interrupted");
		}
		throwFailure();
	}

	/**
	 * Waits up to {@code nanos} ({@code Long.MAX_VALUE}: without limit) for every task to
	 * end, helping where it must; returns how many are still running.
	 */
	private int awaitEnded(long nanos) throws InterruptedException {
		boolean helps = helps();
		long deadline = System.nanoTime() + Math.min(nanos, Long.MAX_VALUE / 4);
		this.lock.lockInterruptibly();
		try {
			while (this.outstanding > 0) {
				if (helps) {
					this.lock.unlock();
					boolean ran;
					try {
						ran = runOneUnstarted();
					}
					finally {
						this.lock.lock();
					}
					if (ran) {
						continue;
					}
				}
				if (nanos == Long.MAX_VALUE) {
					awaitSignal(helps, Long.MAX_VALUE);
				}
				else {
					long left = deadline - System.nanoTime();
					if (left <= 0) {
						break;
					}
					awaitSignal(helps, left);
				}
			}
			return this.outstanding;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Waits under lock for a task to end or, for a helping join, to be forked. */
	private void awaitSignal(boolean helps, long nanos) throws InterruptedException {
		if (!helps) {
			if (nanos == Long.MAX_VALUE) {
				this.allEnded.await();
			}
			else {
				this.allEnded.awaitNanos(nanos);
			}
			return;
		}
		this.helpers++;
		try {
			// a task forked by another thread signals; the poll covers one that a worker
			// of the pool
			// took out of the queue meanwhile and then had to give up
			this.allEnded.awaitNanos(Math.min(nanos, TimeUnit.MILLISECONDS.toNanos(HELP_POLL_MILLIS)));
		}
		finally {
			this.helpers--;
		}
	}

	/**
	 * Cancels the tasks still running, then waits until every task has ended and, for a
	 * group made by {@link #create()}, every thread it started has ended. Later forks
	 * fail. If the closing thread is interrupted it still waits, and its interrupt status
	 * is kept.
	 */
	@Override
	public void close() {
		boolean running;
		this.lock.lock();
		try {
			this.closed = true;
			running = this.outstanding > 0;
		}
		finally {
			this.lock.unlock();
		}
		if (running) {
			cancel();
		}
		boolean interrupted = false;
		this.lock.lock();
		try {
			while (this.outstanding > 0 || this.starting > 0) {
				this.allEnded.awaitUninterruptibly();
			}
		}
		finally {
			this.lock.unlock();
		}
		interrupted |= joinAll(this.ownThreads);
		interrupted |= joinAll(this.endingThreads);
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Joins and forgets every thread in the collection; returns whether the caller was
	 * interrupted.
	 */
	private static boolean joinAll(Collection<Thread> threads) {
		boolean interrupted = false;
		for (Thread thread : List.copyOf(threads)) {
			while (thread.isAlive()) {
				try {
					thread.join();
				}
				catch (InterruptedException ex) {
					interrupted = true;
				}
			}
			threads.remove(thread);
		}
		return interrupted;
	}

	/** How many threads of a {@link #create()} group it still refers to; for tests. */
	int threadsHeld() {
		return this.ownThreads.size() + this.endingThreads.size();
	}

	/**
	 * Records the group's first failure and cancels the rest. Only tasks that were not
	 * cancelled themselves report here (a cancelled task's future is already done), so a
	 * failure that the cancel's interrupt caused never becomes the group's, while one
	 * that ends while a {@code close} or a timed-out {@code join} is cancelling still
	 * does (a later {@code join} reports it; the timed-out one reports its timeout).
	 */
	private void fail(Throwable ex) {
		if (this.failure.compareAndSet(null, ex)) {
			cancel();
		}
	}

	private void cancel() {
		this.cancelled = true;
		for (Task<?> task : this.live) {
			task.cancel(true);
		}
	}

	private void throwFailure() throws ExecutionException {
		Throwable first = this.failure.get();
		if (first != null) {
			throw new ExecutionException("A task of the group failed: " + first, first);
		}
	}

	private void checkOpen() {
		if (this.closed) {
			throw new IllegalStateException("TaskGroup is closed");
		}
	}

	private static <T> CompletableFuture<T> cancelledFuture() {
		CompletableFuture<T> future = new CompletableFuture<>();
		future.cancel(false);
		return future;
	}

	/**
	 * A task of this group: reports its failure to the group and frees its slot when it
	 * ends.
	 */
	private final class Task<T> extends InterruptibleTask<T> {

		private final @Nullable Semaphore slots;

		Task(Callable<? extends T> body, @Nullable Semaphore slots) {
			super(body);
			this.slots = slots;
		}

		@Override
		void onFailure(Throwable ex) {
			fail(ex);
		}

		@Override
		void onEnd() {
			live.remove(this);
			if (this.slots != null) {
				this.slots.release();
			}
			lock.lock();
			try {
				if (--outstanding == 0 && starting == 0) {
					allEnded.signalAll();
				}
			}
			finally {
				lock.unlock();
			}
		}

	}

}
