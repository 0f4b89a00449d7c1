package dev.sluice.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

import dev.sluice.internal.InterruptScope;

/**
 * A task that is its own {@link CompletableFuture}, and whose {@code cancel(true)} interrupts the
 * thread running it, which a plain {@code CompletableFuture} does not do.
 *
 * <p>Design notes. {@code state} moves NEW → RUNNING → ENDED when a thread runs the task (a task
 * completed from outside before it starts still goes through RUNNING, without running its body),
 * or NEW → ENDED when it is cancelled before any thread took it, so {@link #onEnd()} runs exactly
 * once. An interrupting cancel moves RUNNING → INTERRUPTING →
 * INTERRUPTED around its interrupt; the runner, when it ends, waits out INTERRUPTING and takes that
 * interrupt back through its {@link InterruptScope}, so the interrupt never reaches what the thread
 * runs next, and an interrupt that was not the cancel's (pending before the task began on a caller's
 * thread, or sent by an enclosing timeout) is kept. {@code scope} is written before the CAS to
 * RUNNING, which publishes it to any canceller that sees RUNNING. The task path takes two CASes and
 * no lock. {@link #run()} must be called by one thread at most, as an executor does.
 */
class InterruptibleTask<T> extends CompletableFuture<T> implements Runnable {

	private static final int NEW = 0;

	private static final int RUNNING = 1;

	private static final int INTERRUPTING = 2;

	private static final int INTERRUPTED = 3;

	private static final int ENDED = 4;

	private static final VarHandle STATE;

	static {
		try {
			STATE = MethodHandles.lookup().findVarHandle(InterruptibleTask.class, "state", int.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final Callable<? extends T> body;

	private volatile int state;

	/** The scope of the thread running the body; valid while the state is RUNNING or later. */
	private InterruptScope scope;

	/**
	 * The pool's place this task holds while it waits or runs, if a pool admitted it; given back
	 * exactly once, by whichever moves the state out of NEW (that CAS makes it single-threaded).
	 */
	private Semaphore slot;

	/** The thread that took the task, set before its body runs. */
	private Thread runner;

	InterruptibleTask(Callable<? extends T> body) {
		this.body = body;
	}

	@Override
	public void run() {
		if (this.state != NEW) {
			return;
		}
		InterruptScope scope = InterruptScope.enter();
		this.scope = scope;
		if (!STATE.compareAndSet(this, NEW, RUNNING)) {
			scope.exit();
			return;
		}
		this.runner = Thread.currentThread();
		T value = null;
		Throwable failure = null;
		try {
			if (!isDone()) {
				value = this.body.call();
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
	 * Cancels the task. If it has not started it never will; if it is running and
	 * {@code mayInterruptIfRunning} is set, its thread is interrupted.
	 */
	@Override
	public boolean cancel(boolean mayInterruptIfRunning) {
		boolean cancelled = super.cancel(mayInterruptIfRunning);
		if (STATE.compareAndSet(this, NEW, ENDED)) {
			releaseSlot();
			onEnd();
		}
		else if (cancelled && mayInterruptIfRunning && STATE.compareAndSet(this, RUNNING, INTERRUPTING)) {
			try {
				this.scope.interrupt();
			}
			finally {
				this.state = INTERRUPTED;
			}
		}
		return cancelled;
	}

	/** Records that the task holds a place of a pool's admission until its body ends or it is cancelled. */
	void holdSlot(Semaphore admission) {
		this.slot = admission;
	}

	private void releaseSlot() {
		Semaphore slot = this.slot;
		if (slot != null) {
			this.slot = null;
			slot.release();
		}
	}

	/**
	 * Whether the calling thread ran this task's body, as opposed to finding it cancelled or taken by
	 * another thread; asked after {@link #run()} returned.
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
			releaseSlot();
			super.cancel(false);
			onEnd();
			return true;
		}
		return false;
	}

	/**
	 * Called when the body threw, unless the task was already cancelled, just after the future
	 * completed with that failure; so a thread woken by the future may not see this call's effects yet.
	 */
	void onFailure(Throwable failure) {
	}

	/** Called exactly once, when the task will never run again. */
	void onEnd() {
	}
}
