package dev.sluice.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * A task that is its own {@link CompletableFuture}, and whose {@code cancel(true)} interrupts the
 * thread running it, which a plain {@code CompletableFuture} does not do.
 *
 * <p>Design notes. {@code state} moves NEW → RUNNING → ENDED when a thread runs the task, or
 * NEW → ENDED when it is cancelled (or completed from outside) before any thread took it. Exactly one
 * of those transitions reaches ENDED, so {@link #onEnd()} runs exactly once. {@code runner} is
 * guarded by {@code this}: an interrupt is only sent while the runner is inside the task body, so it
 * never reaches the next task that the same pool thread runs; if the body did not consume an
 * interrupt that we sent, it is cleared before the thread leaves.
 */
class InterruptibleTask<T> extends CompletableFuture<T> implements Runnable {

	private static final int NEW = 0;

	private static final int RUNNING = 1;

	private static final int ENDED = 2;

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

	@SuppressWarnings("unused") // through STATE
	private volatile int state;

	/** Guarded by this. */
	private Thread runner;

	/** Guarded by this: whether we interrupted the current runner. */
	private boolean interruptSent;

	InterruptibleTask(Callable<? extends T> body) {
		this.body = body;
	}

	@Override
	public void run() {
		if (!STATE.compareAndSet(this, NEW, RUNNING)) {
			return;
		}
		try {
			synchronized (this) {
				this.runner = Thread.currentThread();
			}
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
			synchronized (this) {
				this.runner = null;
				if (this.interruptSent) {
					Thread.interrupted();
				}
			}
			this.state = ENDED;
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
		else if (cancelled && mayInterruptIfRunning) {
			interruptRunner();
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

	private synchronized void interruptRunner() {
		if (this.runner != null) {
			this.interruptSent = true;
			this.runner.interrupt();
		}
	}

	/** Called once when the body threw, with what it threw. */
	void onFailure(Throwable failure) {
	}

	/** Called exactly once, when the task will never run again. */
	void onEnd() {
	}
}
