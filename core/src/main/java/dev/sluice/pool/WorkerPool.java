package dev.sluice.pool;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import dev.sluice.lifecycle.Drainable;
import dev.sluice.timeout.Deadline;
import org.jspecify.annotations.Nullable;

/**
 * A named pool of a fixed number of workers in front of a bounded queue: Go's worker
 * pool, with backpressure.
 *
 * <p>
 * When every worker is busy and the queue is full, the pool's {@link QueueOverflow}
 * policy decides: the submitter waits up to the submit timeout (as a send on a full Go
 * channel), is refused with a {@link TaskRejectedException}, or runs the task itself.
 * Tasks start in the order they were accepted; they may finish in any order.
 *
 * <p>
 * A pool is an {@link Executor}, so {@code CompletableFuture.supplyAsync(work, pool)} and
 * Spring's {@code @Async("name")} run on it. {@link #submit(Callable)} returns a
 * {@link CompletableFuture} whose {@code cancel(true)} interrupts the task if it is
 * running.
 *
 * <p>
 * Shutdown happens in three steps ({@link Drainable}): {@link #stopIntake()} makes every
 * later submission fail with a {@link TaskRejectedException} of reason {@code SHUT_DOWN};
 * accepted tasks go on until {@link #awaitDrained(Duration)} sees them finish;
 * {@link #abandonRemaining()} then fails the futures of queued tasks, interrupts running
 * ones, and counts both in {@link PoolStats#abandoned()}. {@link #close()} does the first
 * two steps and waits without limit, as {@code ExecutorService.close()} does.
 *
 * <p>
 * Every task runs in the context of the thread that submitted it (unless
 * {@link PoolConfig#propagateContext()} is off): its {@link Deadline} and, with
 * Micrometer Context Propagation on the class path, every registered thread-local, such
 * as the MDC and the current observation ({@link dev.sluice.context.CapturedContext}).
 * The context is taken away again when the task ends, so nothing of one task stays on the
 * worker for the next. A task decorator given at creation (Spring's
 * {@code TaskDecorator}, say) wraps the body of every task, {@code submit},
 * {@code execute} and {@code map} helpers alike, on the submitting thread.
 *
 * <p>
 * All methods are safe to call from any thread.
 */
public final class WorkerPool implements Executor, Drainable, AutoCloseable {

	/**
	 * How long {@link #abandonRemaining()} waits for interrupted tasks to end before it
	 * counts them.
	 */
	public static final Duration ABANDON_GRACE = Duration.ofSeconds(1);

	private final String name;

	private final PoolConfig config;

	private final boolean virtualThreads;

	private final PoolExecutor executor;

	private WorkerPool(String name, PoolConfig config, @Nullable UnaryOperator<Runnable> decorator,
			@Nullable TaskObserver observer) {
		if (name == null || name.isBlank()) {
			throw new IllegalArgumentException("name must not be blank");
		}
		this.name = name;
		this.config = Objects.requireNonNull(config, "config");
		String prefix = "sluice-" + name + "-";
		ThreadFactory virtual = (config.threads() == PoolConfig.Threads.VIRTUAL)
				? VirtualThreads.factory(prefix).orElse(null) : null;
		this.virtualThreads = virtual != null;
		if (config.threads() == PoolConfig.Threads.VIRTUAL && virtual == null) {
			System.getLogger(WorkerPool.class.getName())
				.log(System.Logger.Level.WARNING,
						"Pool '" + name + "' asked for virtual threads, which need Java 21 or"
								+ " later; this JVM is Java " + Runtime.version().feature()
								+ ", so it runs on platform threads");
		}
		this.executor = new PoolExecutor(name, config, (virtual != null) ? virtual : platformThreads(prefix), decorator,
				observer);
	}

	/**
	 * Creates a pool with the given name and settings; its workers start as tasks arrive.
	 */
	public static WorkerPool create(String name, PoolConfig config) {
		return new WorkerPool(name, config, null, null);
	}

	/**
	 * Creates a pool whose tasks are each wrapped by the decorator, as Spring's
	 * {@code TaskDecorator} wraps the tasks of its executors. The decorator is called on
	 * the submitting thread when a task is handed over (so it can capture what that
	 * thread holds), once per task, and wraps the task's body only: the pool still
	 * queues, cancels and abandons the task itself. The wrapper runs on the thread that
	 * runs the task, inside the submitter's context, and must run the body it was given
	 * on that thread; a {@code submit}ted task whose decorator did not run it fails with
	 * an {@link IllegalStateException}.
	 */
	public static WorkerPool create(String name, PoolConfig config, UnaryOperator<Runnable> decorator) {
		return new WorkerPool(name, config, Objects.requireNonNull(decorator, "decorator"), null);
	}

	/**
	 * Creates a pool whose tasks are each wrapped by the decorator, if one is given (as
	 * {@link #create(String, PoolConfig, UnaryOperator)} describes), and each watched by
	 * the observer, if one is given: {@link TaskObserver#start()} on the thread that runs
	 * the task, in the task's context, around the decorated body. Without either, the
	 * same as {@link #create(String, PoolConfig)}.
	 */
	public static WorkerPool create(String name, PoolConfig config, @Nullable UnaryOperator<Runnable> decorator,
			@Nullable TaskObserver observer) {
		return new WorkerPool(name, config, decorator, observer);
	}

	private static ThreadFactory platformThreads(String prefix) {
		AtomicInteger count = new AtomicInteger();
		ThreadFactory delegate = Executors.defaultThreadFactory();
		return (task) -> {
			Thread thread = delegate.newThread(task);
			thread.setName(prefix + count.incrementAndGet());
			return thread;
		};
	}

	@Override
	public String name() {
		return this.name;
	}

	/** The settings this pool was created with. */
	public PoolConfig config() {
		return this.config;
	}

	/**
	 * Accepts a task, applying the overflow policy if the pool is full.
	 * @return a future of the task's result; {@code cancel(true)} interrupts it if it is
	 * running
	 * @throws TaskRejectedException if the pool refused the task
	 */
	public <T> CompletableFuture<T> submit(Callable<T> task) {
		Objects.requireNonNull(task, "task");
		InterruptibleTask<T> future = new InterruptibleTask<>(task);
		this.executor.execute(future);
		return future;
	}

	/**
	 * Accepts a task that returns nothing, applying the overflow policy if the pool is
	 * full.
	 * @return a future completed when the task ends
	 * @throws TaskRejectedException if the pool refused the task
	 */
	public CompletableFuture<Void> submit(Runnable task) {
		Objects.requireNonNull(task, "task");
		return submit(() -> {
			task.run();
			return null;
		});
	}

	/**
	 * Runs a task on the pool, applying the overflow policy if the pool is full. An
	 * exception the task throws goes to the worker thread's uncaught-exception handler
	 * (or, when the caller runs it under {@code caller-runs}, to the caller).
	 *
	 * <p>
	 * If this task is still queued when the pool abandons its work at shutdown, it is
	 * dropped and counted, but the pool cannot fail a future that the task completes: the
	 * future of {@code CompletableFuture.supplyAsync(work, pool)} (and of an
	 * {@code @Async} method returning {@code CompletableFuture}) then never completes.
	 * Prefer {@link #submit(Callable)}, whose future is cancelled instead.
	 * @throws TaskRejectedException if the pool refused the task
	 */
	@Override
	public void execute(Runnable task) {
		this.executor.execute(Objects.requireNonNull(task, "task"));
	}

	/**
	 * Accepts the task only if a worker or a queue place is free now: never applies the
	 * overflow policy, so it never waits and never runs the task on the calling thread.
	 * For work that is worth doing only if the pool has room, such as the parts of a
	 * pipeline or optional helpers.
	 * @return whether the pool accepted the task
	 * @throws TaskRejectedException if the pool is shut down
	 */
	public boolean tryExecute(Runnable task) {
		Objects.requireNonNull(task, "task");
		if (this.executor.isShutdown()) {
			throw this.executor.shutdownRefusal();
		}
		return this.executor.tryExecute(task);
	}

	/**
	 * Applies a function to every item concurrently and returns the results in input
	 * order (Go's {@code ProcessJobs}).
	 *
	 * <p>
	 * Items are handed out in contiguous chunks rather than one task each, so that a
	 * batch of many tiny items costs little more than a loop. The calling thread takes
	 * part in the work, so a batch started from inside one of this pool's own tasks
	 * cannot deadlock waiting for a worker. When the pool is full the calling thread does
	 * the rest itself rather than waiting.
	 *
	 * <p>
	 * The first item that throws stops the batch: no further item starts, the threads
	 * still working on other items are interrupted, and that first exception is thrown,
	 * as it was thrown.
	 * @param items the inputs; not modified
	 * @param function applied once to each item; may be called from several threads at
	 * once
	 * @return the results, in the order of {@code items}, as an unmodifiable list
	 * @throws InterruptedException if the calling thread is interrupted; the batch is
	 * cancelled
	 * @throws TaskRejectedException if the pool is shut down
	 */
	public <T, R> List<R> map(List<? extends T> items, Function<? super T, ? extends R> function)
			throws InterruptedException {
		Objects.requireNonNull(items, "items");
		Objects.requireNonNull(function, "function");
		if (this.executor.isShutdown()) {
			throw this.executor.shutdownRefusal();
		}
		return new Batch<T, R>(this.executor, items.toArray(), function).run();
	}

	/** A snapshot of the pool's live state and counters. */
	public PoolStats stats() {
		PoolStats.State state = this.executor.isTerminated() ? PoolStats.State.TERMINATED
				: this.executor.isShutdown() ? PoolStats.State.DRAINING : PoolStats.State.RUNNING;
		return new PoolStats(this.name, state, this.virtualThreads, this.executor.getPoolSize(),
				this.executor.getActiveCount(), this.executor.getQueue().size(), this.executor.queueRemaining(),
				this.executor.completed.sum(), this.executor.rejected.sum(), this.executor.callerRuns.sum(),
				this.executor.abandoned.sum(), Duration.ofNanos(this.executor.taskNanos.sum()));
	}

	/** Whether the pool has stopped taking new tasks. */
	public boolean isShutdown() {
		return this.executor.isShutdown();
	}

	/** Whether the pool has stopped and every worker has ended. */
	public boolean isTerminated() {
		return this.executor.isTerminated();
	}

	/** Refuses new tasks from now on; accepted tasks still run. Does not block. */
	@Override
	public void stopIntake() {
		this.executor.shutdown();
	}

	/**
	 * Waits until every accepted task has finished and the workers have ended, or the
	 * timeout passes.
	 */
	@Override
	public boolean awaitDrained(Duration timeout) throws InterruptedException {
		return this.executor.awaitTermination(Math.max(0, Deadline.cap(timeout)), TimeUnit.NANOSECONDS);
	}

	/**
	 * Stops intake if not yet stopped, fails the futures of queued tasks (see
	 * {@link #execute} for those that have none), interrupts running ones and counts both
	 * as abandoned. It then waits up to {@link #ABANDON_GRACE} for the interrupted tasks
	 * to end, so that the count is exact; a task that ignores the interrupt for longer is
	 * counted without being waited for further. A task that happened to finish just as
	 * abandoning began may be counted too, so the count is an upper bound. Only the first
	 * call abandons anything; every call returns with intake stopped.
	 * @return how many tasks this call abandoned
	 */
	@Override
	public int abandonRemaining() {
		// every caller returns with intake stopped, also one that loses the race to
		// abandon
		this.executor.shutdown();
		synchronized (this.executor) {
			if (this.executor.abandoning) {
				return 0;
			}
			this.executor.abandoning = true;
		}
		long queued = 0;
		for (Runnable waiting : this.executor.shutdownNow()) {
			// a future cancelled earlier may still sit in the queue, dead: it was not
			// abandoned now
			Runnable task = PoolExecutor.original(waiting);
			if (!(task instanceof Future<?> future) || future.cancel(false)) {
				queued++;
			}
		}
		boolean ended = false;
		try {
			ended = this.executor.awaitTermination(ABANDON_GRACE.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		// every worker still alive holds at most one task that ignored its interrupt
		long running = this.executor.endedWhileAbandoning.sum() + (ended ? 0 : this.executor.getPoolSize());
		int abandoned = (int) Math.min(Integer.MAX_VALUE, queued + running);
		this.executor.abandoned.add(abandoned);
		return abandoned;
	}

	/**
	 * Stops intake and waits, without a time limit, until every accepted task has
	 * finished. If the waiting thread is interrupted, the remaining tasks are abandoned.
	 */
	@Override
	public void close() {
		stopIntake();
		boolean interrupted = false;
		while (!isTerminated()) {
			try {
				awaitDrained(Duration.ofDays(1));
			}
			catch (InterruptedException ex) {
				interrupted = true;
				abandonRemaining();
			}
		}
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
	}

	PoolExecutor executor() {
		return this.executor;
	}

	@Override
	public String toString() {
		return "WorkerPool[" + this.name + ", " + this.config + "]";
	}

}
