package dev.sluice.pool;

import java.time.Duration;
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
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A group of tasks that succeed or fail together: Go's {@code errgroup}, in try-with-resources.
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
 * <li>The first task to throw cancels the group: every other running task is interrupted, tasks not
 * yet started never start, and {@link #join()} throws that first exception, wrapped in an
 * {@link ExecutionException}. Tasks forked after that are not started.</li>
 * <li>{@link #limit(int)} bounds how many tasks run at once: {@link #fork} then waits for a free
 * slot and {@link #tryFork} declines instead of waiting.</li>
 * <li>Tasks run on the given executor (such as a {@link WorkerPool}), or each on a thread of its own
 * from {@link #create()}.</li>
 * <li>{@link #close()} cancels what is still running and waits until every task has ended, and,
 * for a group with its own threads, until those threads have ended; so a group never leaks a thread.
 * Tasks must respond to interruption for this to be quick.</li>
 * </ul>
 *
 * <p>{@code fork}, {@code tryFork} and {@code join} may be called from any thread.
 *
 * <p>Design notes. {@code lock} guards {@code outstanding} (tasks forked and not yet ended) and
 * {@code closed}, so a fork either counts before close looks, or sees the group closed. Cancelling
 * (which runs futures' dependent callbacks) always happens outside {@code lock}. Waiting uses a
 * {@link ReentrantLock} condition rather than a monitor, so that joins on virtual threads do not pin
 * their carrier thread.
 */
public final class TaskGroup implements AutoCloseable {

	private static final AtomicInteger GROUPS = new AtomicInteger();

	/** Where tasks run; null for a group that starts a thread per task. */
	private final Executor executor;

	private final String threadPrefix = "sluice-group-" + GROUPS.incrementAndGet() + "-";

	private final AtomicInteger threadCount = new AtomicInteger();

	/** The threads of a group created by {@link #create()}, joined on close; empty otherwise. */
	private final Queue<Thread> ownThreads = new ConcurrentLinkedQueue<>();

	private final Set<Task<?>> live = ConcurrentHashMap.newKeySet();

	private final AtomicReference<Throwable> failure = new AtomicReference<>();

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition allEnded = this.lock.newCondition();

	/** Guarded by lock: tasks forked and not yet ended. */
	private int outstanding;

	/** Written under lock. */
	private volatile boolean closed;

	private volatile boolean cancelled;

	private volatile Semaphore slots;

	private TaskGroup(Executor executor) {
		this.executor = executor;
	}

	/** A group whose tasks each run on a new platform thread of their own. */
	public static TaskGroup create() {
		return new TaskGroup(null);
	}

	/** A group whose tasks run on the given executor, such as a {@link WorkerPool}. */
	public static TaskGroup on(Executor executor) {
		return new TaskGroup(Objects.requireNonNull(executor, "executor"));
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
				throw new IllegalStateException("limit must be set before tasks are forked; "
						+ this.outstanding + " are running");
			}
			this.slots = new Semaphore(limit);
		}
		finally {
			this.lock.unlock();
		}
		return this;
	}

	/**
	 * Starts a task in the group, first waiting for a free slot if a {@link #limit(int)} is set. If
	 * the group has already failed, the task is not started and its future is cancelled. If the
	 * calling thread is interrupted while it waits for a slot, the group is cancelled with that
	 * interruption as its failure, and the thread's interrupt status is kept.
	 * @return the task's future; {@code cancel(true)} interrupts it
	 * @throws IllegalStateException if the group is closed
	 * @throws RejectedExecutionException if the executor refuses the task; the group is not failed
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
				slots.acquire();
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
	 * Starts a task only if a slot is free now (Go's {@code TryGo}); without a limit it always starts.
	 * @return the task's future, or empty if every slot was taken
	 * @throws IllegalStateException if the group is closed
	 */
	public <T> Optional<CompletableFuture<T>> tryFork(Callable<T> task) {
		Objects.requireNonNull(task, "task");
		checkOpen();
		Semaphore slots = this.slots;
		if (slots != null && !slots.tryAcquire()) {
			return Optional.empty();
		}
		return Optional.of(start(task, slots));
	}

	private <T> CompletableFuture<T> start(Callable<T> body, Semaphore slots) {
		Task<T> task = new Task<>(body, slots);
		this.lock.lock();
		try {
			if (this.closed) {
				if (slots != null) {
					slots.release();
				}
				throw new IllegalStateException("TaskGroup is closed");
			}
			this.outstanding++;
		}
		finally {
			this.lock.unlock();
		}
		this.live.add(task);
		if (this.cancelled) {
			task.cancel(true);
			return task;
		}
		try {
			if (this.executor != null) {
				this.executor.execute(task);
			}
			else {
				Thread thread = new Thread(task, this.threadPrefix + this.threadCount.incrementAndGet());
				this.ownThreads.add(thread);
				thread.start();
			}
		}
		catch (Throwable ex) {
			task.cancel(false);
			throw ex;
		}
		return task;
	}

	/**
	 * Waits until every forked task has ended.
	 * @throws ExecutionException with the first task failure as its cause, if a task failed
	 * @throws InterruptedException if the waiting thread is interrupted; the group is cancelled
	 */
	public void join() throws InterruptedException, ExecutionException {
		try {
			this.lock.lockInterruptibly();
			try {
				while (this.outstanding > 0) {
					this.allEnded.await();
				}
			}
			finally {
				this.lock.unlock();
			}
		}
		catch (InterruptedException ex) {
			cancel();
			throw ex;
		}
		throwFailure();
	}

	/**
	 * Waits until every forked task has ended, or the timeout passes; then the group is cancelled.
	 * @throws ExecutionException with the first task failure as its cause, if a task failed
	 * @throws TimeoutException if tasks were still running when the timeout passed
	 * @throws InterruptedException if the waiting thread is interrupted; the group is cancelled
	 */
	public void join(Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
		long left = Math.min(timeout.toNanos(), Long.MAX_VALUE / 4);
		int running;
		try {
			this.lock.lockInterruptibly();
			try {
				while (this.outstanding > 0 && left > 0) {
					left = this.allEnded.awaitNanos(left);
				}
				running = this.outstanding;
			}
			finally {
				this.lock.unlock();
			}
		}
		catch (InterruptedException ex) {
			cancel();
			throw ex;
		}
		if (running > 0) {
			cancel();
			throwFailure();
			throw new TimeoutException("TaskGroup: " + running + " tasks still running after " + timeout
					+ "; they have been interrupted");
		}
		throwFailure();
	}

	/**
	 * Cancels the tasks still running, then waits until every task has ended and, for a group made by
	 * {@link #create()}, every thread it started has ended. Later forks fail. If the closing thread
	 * is interrupted it still waits, and its interrupt status is kept.
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
			while (this.outstanding > 0) {
				this.allEnded.awaitUninterruptibly();
			}
		}
		finally {
			this.lock.unlock();
		}
		Thread thread;
		while ((thread = this.ownThreads.poll()) != null) {
			while (thread.isAlive()) {
				try {
					thread.join();
				}
				catch (InterruptedException ex) {
					interrupted = true;
				}
			}
		}
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
	}

	private void fail(Throwable ex) {
		if (!this.cancelled && this.failure.compareAndSet(null, ex)) {
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

	/** A task of this group: reports its failure to the group and frees its slot when it ends. */
	private final class Task<T> extends InterruptibleTask<T> {

		private final Semaphore slots;

		Task(Callable<? extends T> body, Semaphore slots) {
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
				if (--outstanding == 0) {
					allEnded.signalAll();
				}
			}
			finally {
				lock.unlock();
			}
		}
	}
}
