package dev.sluice.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * A task that is its own {@link CompletableFuture}, and whose {@code cancel(true)} interrupts the
 * thread running it, which a plain {@code CompletableFuture} does not do.
 *
 * <p>Design notes. {@code state} moves NEW → RUNNING → ENDED when a thread runs the task (a task
 * completed from outside before it starts still goes through RUNNING, without running its body),
 * or NEW → ENDED when it is cancelled before any thread took it, so {@link #onEnd()} runs exactly
 * once. An interrupting cancel moves RUNNING → INTERRUPTING →
 * INTERRUPTED around its {@code interrupt()} call; the runner, when it ends, waits out INTERRUPTING
 * and clears the interrupt, so the interrupt never reaches the next task that the same pool thread
 * runs. (Clearing the flag may also swallow an interrupt that someone else sent at that same
 * moment; a pool thread is cleared before each task anyway.) {@code runner} is written before the CAS to RUNNING, which publishes it to any canceller that
 * sees RUNNING. The task path takes two CASes and no lock. {@link #run()} must be called by one
 * thread at most, as an executor does.
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

	/** The thread running the body; valid while the state is RUNNING or later. */
	private Thread runner;

	InterruptibleTask(Callable<? extends T> body) {
		this.body = body;
	}

	@Override
	public void run() {
		if (this.state != NEW) {
			return;
		}
		this.runner = Thread.currentThread();
		if (!STATE.compareAndSet(this, NEW, RUNNING)) {
			return;
		}
		try {
			if (!isDone()) {
				complete(this.body.call());
			}
		}
		catch (Throwable ex) {
			if (completeExceptionally(ex)) {
				onFailure(ex);
			}
		}
		finally {
			if (!STATE.compareAndSet(this, RUNNING, ENDED)) {
				while (this.state == INTERRUPTING) {
					Thread.yield();
				}
				Thread.interrupted();
				this.state = ENDED;
			}
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
			onEnd();
		}
		else if (cancelled && mayInterruptIfRunning && STATE.compareAndSet(this, RUNNING, INTERRUPTING)) {
			try {
				this.runner.interrupt();
			}
			finally {
				this.state = INTERRUPTED;
			}
		}
		return cancelled;
	}

	/**
	 * Cancels the task only if no thread has started it.
	 * @return whether it was cancelled
	 */
	boolean cancelIfNotStarted() {
		if (STATE.compareAndSet(this, NEW, ENDED)) {
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
