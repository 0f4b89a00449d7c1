package dev.sluice.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

import dev.sluice.context.CapturedContext;
import dev.sluice.internal.InterruptScope;
import org.jspecify.annotations.Nullable;

/**
 * A task that is its own {@link CompletableFuture}, and whose {@code cancel(true)}
 * interrupts the thread running it, which a plain {@code CompletableFuture} does not do.
 *
 * <p>
 * Design notes. {@code state} moves NEW → STARTING → RUNNING → ENDED when a thread runs
 * the task (a task completed from outside before it starts still goes through RUNNING,
 * without running its body), or NEW → ENDED when it is cancelled before any thread took
 * it, so {@link #onEnd()} runs exactly once. The CAS out of NEW claims the task: of two
 * threads that call {@link #run()} (a pool worker and a helping join, say) only the
 * winner touches it. An interrupting cancel moves RUNNING → INTERRUPTING → INTERRUPTED
 * around its interrupt (a cancel that finds STARTING only completes the future, which the
 * runner then sees and skips the body); the runner, when it ends, waits out INTERRUPTING
 * and takes that interrupt back through its {@link InterruptScope}, so the interrupt
 * never reaches what the thread runs next, and an interrupt that was not the cancel's
 * (pending before the task began on a caller's thread, or sent by an enclosing timeout)
 * is kept. {@code scope} is written before RUNNING, which publishes it to any canceller
 * that sees RUNNING. A pool place the task was admitted with ({@code slot}) is given back
 * exactly once (one {@code getAndSet}): before the future completes when the body ran,
 * before the cancellation is announced when it was cancelled first (leaving the queue
 * too, so that dead tasks never crowd it), or by a {@code run()} that finds the task
 * already taken. The task path takes a few CASes and no lock.
 *
 * <p>
 * Context. The task itself is what waits in a pool's queue and what a canceller or an
 * abandoning pool sees, so a pool never replaces it with a wrapper: the submitter's
 * {@link CapturedContext} and a pool's task decorator are kept in fields, set on the
 * submitting thread before the hand-off (which publishes them), and applied around the
 * body only: the context is restored inside the task's interrupt scope and taken away
 * again before the pool place is given back and the future completes, so whoever the
 * completion wakes finds the worker clean.
 */
class InterruptibleTask<T> extends CompletableFuture<T> implements Runnable {

	private static final int NEW = 0;

	private static final int RUNNING = 1;

	private static final int INTERRUPTING = 2;

	private static final int INTERRUPTED = 3;

	private static final int ENDED = 4;

	/**
	 * Claimed by one thread, which is entering its scope: the loser of a race never
	 * touches the task.
	 */
	private static final int STARTING = 5;

	private static final VarHandle STATE;

	private static final VarHandle SLOT;

	static {
		try {
			STATE = MethodHandles.lookup().findVarHandle(InterruptibleTask.class, "state", int.class);
			SLOT = MethodHandles.lookup().findVarHandle(InterruptibleTask.class, "slot", PoolExecutor.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final Callable<? extends T> body;

	private volatile int state;

	/**
	 * The scope of the thread running the body; valid while the state is RUNNING or
	 * later.
	 */
	private @Nullable InterruptScope scope;

	/**
	 * The pool's place this task holds while it waits or runs, if a pool admitted it;
	 * given back exactly once, by whichever moves the state out of NEW (that CAS makes it
	 * single-threaded).
	 */
	private volatile @Nullable PoolExecutor slot;

	/** The thread that took the task, set before its body runs. */
	private @Nullable Thread runner;

	/**
	 * The context the body runs in; {@code null} when nothing travels. Set before the
	 * hand-off.
	 */
	private @Nullable CapturedContext context;

	/** The body as a task decorator made it; {@code null} without one. */
	private @Nullable Decorated<T> decorated;

	/** Watches the body's run; {@code null} without one. Set before the hand-off. */
	private @Nullable GuardedObserver observer;

	InterruptibleTask(Callable<? extends T> body) {
		this.body = body;
	}

	@Override
	public void run() {
		if (this.state != NEW || !STATE.compareAndSet(this, NEW, STARTING)) {
			// cancelled, or run by another thread (a helping join): a place it was
			// admitted with
			// after that is given back here, once
			releaseSlot();
			return;
		}
		InterruptScope scope = InterruptScope.enter();
		this.scope = scope;
		// release order publishes the scope to a canceller that reads RUNNING
		STATE.setRelease(this, RUNNING);
		this.runner = Thread.currentThread();
		T value = null;
		Throwable failure = null;
		try {
			if (!isDone()) {
				value = (this.context == null && this.decorated == null && this.observer == null) ? this.body.call()
						: callInContext();
			}
		}
		catch (Throwable ex) {
			failure = ex;
		}
		// before the future completes, so that whoever waits on it finds the place free
		releaseSlot();
		try {
			if (failure == null) {
				complete(value);
			}
			else if (completeExceptionally(failure)) {
				onFailure(failure);
			}
		}
		finally {
			if (!STATE.compareAndSet(this, RUNNING, ENDED)) {
				while (this.state == INTERRUPTING) {
					Thread.yield();
				}
				this.state = ENDED;
			}
			scope.exit();
			onEnd();
		}
	}

	/**
	 * Runs the body in its context, through its decorator and watched by its observer;
	 * the observer's run ends, and then the context is taken away, before this returns or
	 * throws.
	 */
	private @Nullable T callInContext() throws Exception {
		CapturedContext.Scope scope = (this.context != null) ? this.context.restore() : null;
		@Nullable T value = null;
		Throwable failure = null;
		TaskObserver.Run run = null;
		try {
			if (this.observer != null) {
				run = this.observer.start();
			}
			Decorated<T> decorated = this.decorated;
			if (decorated == null) {
				value = this.body.call();
			}
			else {
				decorated.wrapped.run();
				value = decorated.outcome();
			}
		}
		catch (Throwable ex) {
			failure = ex;
		}
		if (this.observer != null) {
			this.observer.end(run, failure);
		}
		if (scope != null) {
			try {
				scope.close();
			}
			catch (Throwable ex) {
				if (failure == null) {
					failure = ex;
				}
				else {
					failure.addSuppressed(ex);
				}
			}
		}
		if (failure instanceof Exception exception) {
			throw exception;
		}
		if (failure instanceof Error error) {
			throw error;
		}
		if (failure != null) {
			throw new IllegalStateException(failure);
		}
		return value;
	}

	/**
	 * Prepares the task for a hand-off, on the submitting thread: keeps the context it
	 * already carries (captured by a task group's fork) or captures the submitter's, or
	 * drops both; then lets the decorator, if any, wrap the body, and keeps the pool's
	 * observer.
	 */
	void prepare(boolean propagateContext, @Nullable UnaryOperator<Runnable> decorator,
			@Nullable GuardedObserver observer) {
		this.observer = observer;
		if (!propagateContext) {
			this.context = null;
		}
		else if (this.context == null) {
			carry(CapturedContext.capture());
		}
		if (decorator != null) {
			Decorated<T> decorated = this.decorated;
			if (decorated == null) {
				decorated = new Decorated<>(this.body);
				decorated.wrapped = Objects.requireNonNull(decorator.apply(decorated),
						"the task decorator returned null");
				this.decorated = decorated;
			}
			else {
				decorated.wrapped = Objects.requireNonNull(decorator.apply(decorated.wrapped),
						"the task decorator returned null");
			}
		}
	}

	/**
	 * Makes the body run in the given context, kept only if there is something in it.
	 */
	void carry(CapturedContext context) {
		this.context = context.isEmpty() ? null : context;
	}

	/**
	 * Cancels the task. If it has not started it never will; if it is running and
	 * {@code mayInterruptIfRunning} is set, its thread is interrupted.
	 */
	@Override
	public boolean cancel(boolean mayInterruptIfRunning) {
		if (STATE.compareAndSet(this, NEW, ENDED)) {
			// the place first: whoever the cancellation wakes finds it free
			releaseSlot(true);
			boolean cancelled = super.cancel(mayInterruptIfRunning);
			onEnd();
			return cancelled;
		}
		boolean cancelled = super.cancel(mayInterruptIfRunning);
		if (cancelled && mayInterruptIfRunning && STATE.compareAndSet(this, RUNNING, INTERRUPTING)) {
			try {
				Objects.requireNonNull(this.scope).interrupt();
			}
			finally {
				this.state = INTERRUPTED;
			}
		}
		return cancelled;
	}

	/**
	 * Records that the task holds a place of a pool's admission until its body ends or it
	 * is cancelled.
	 */
	void holdSlot(PoolExecutor pool) {
		// published to the worker by the queue hand-off
		SLOT.setRelease(this, pool);
	}

	/**
	 * Gives the pool place back if this task still holds it; exactly once, whoever calls
	 * it.
	 */
	void releaseSlot() {
		releaseSlot(false);
	}

	private void releaseSlot(boolean dequeue) {
		PoolExecutor pool = (PoolExecutor) SLOT.getAndSet(this, null);
		if (pool != null) {
			pool.giveBack(this, dequeue);
		}
	}

	/**
	 * Whether the calling thread ran this task's body, as opposed to finding it cancelled
	 * or taken by another thread; asked after {@link #run()} returned.
	 */
	boolean ranHere() {
		return this.runner == Thread.currentThread();
	}

	/** Whether no thread has started the task and it has not been cancelled. */
	boolean isUnstarted() {
		return this.state == NEW;
	}

	/**
	 * Cancels the task only if no thread has started it.
	 * @return whether it was cancelled
	 */
	boolean cancelIfNotStarted() {
		if (STATE.compareAndSet(this, NEW, ENDED)) {
			releaseSlot(true);
			super.cancel(false);
			onEnd();
			return true;
		}
		return false;
	}

	/**
	 * Called when the body threw, unless the task was already cancelled, just after the
	 * future completed with that failure; so a thread woken by the future may not see
	 * this call's effects yet.
	 */
	void onFailure(Throwable failure) {
	}

	/** Called exactly once, when the task will never run again. */
	void onEnd() {
	}

	/**
	 * The body as a plain {@link Runnable} for a task decorator, keeping its outcome for
	 * the task; run on the task's own thread, inside whatever the decorator wraps it in.
	 */
	private static final class Decorated<T> implements Runnable {

		private final Callable<? extends T> body;

		/** What the decorator made of this body (or of an earlier decoration). */
		Runnable wrapped = this;

		private boolean ran;

		private @Nullable T value;

		private @Nullable Throwable failure;

		Decorated(Callable<? extends T> body) {
			this.body = body;
		}

		@Override
		public void run() {
			this.ran = true;
			try {
				this.value = this.body.call();
			}
			catch (Throwable ex) {
				// the task's future reports it, as Spring's executors do for submitted
				// tasks
				this.failure = ex;
			}
		}

		@Nullable T outcome() throws Exception {
			if (!this.ran) {
				throw new IllegalStateException("The task decorator did not run the task");
			}
			Throwable failure = this.failure;
			if (failure instanceof Exception exception) {
				throw exception;
			}
			if (failure instanceof Error error) {
				throw error;
			}
			if (failure != null) {
				throw new IllegalStateException(failure);
			}
			return this.value;
		}

	}

}
