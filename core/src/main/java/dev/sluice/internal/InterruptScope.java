package dev.sluice.internal;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stretch of work on one thread that Sluice may interrupt (a task's body, a
 * {@code Timeout.call}), so that whoever takes an interrupt back knows whose it was. Not API.
 *
 * <p>Contract: a scope is entered and exited by its own thread, in nested order; another thread may
 * call {@link #interrupt()} at most once, and only while the scope is open (the owner's own state
 * machine guarantees both: it waits out an interrupt in flight before it exits). {@link #exit()}
 * takes back that interrupt and nothing else: the thread's interrupt status is left set if it was
 * set when the scope was entered, or if another Sluice scope of this thread was interrupted while
 * this one was open and has not taken its interrupt back.
 *
 * <p>The one thing a scope cannot tell apart is an interrupt sent from outside Sluice after its own
 * and before the scope ends (while work that ignores interrupts runs on, say): the status is one
 * bit, so both are taken back together.
 */
public final class InterruptScope {

	private static final ThreadLocal<InterruptScope> CURRENT = new ThreadLocal<>();

	private final Thread thread;

	private final InterruptScope outer;

	/**
	 * Interrupts that Sluice scopes of this thread have sent and not yet taken back; one counter
	 * shared by every scope nested in the outermost one.
	 */
	private final AtomicInteger outstanding;

	private final int outstandingAtEntry;

	private final boolean pendingAtEntry;

	/** Written by the interrupting thread before it interrupts; read by the owner at exit. */
	private volatile boolean sent;

	private InterruptScope(Thread thread, InterruptScope outer) {
		this.thread = thread;
		this.outer = outer;
		this.outstanding = (outer != null) ? outer.outstanding : new AtomicInteger();
		this.outstandingAtEntry = this.outstanding.get();
		this.pendingAtEntry = thread.isInterrupted();
	}

	/** Opens a scope on the calling thread. */
	public static InterruptScope enter() {
		InterruptScope scope = new InterruptScope(Thread.currentThread(), CURRENT.get());
		CURRENT.set(scope);
		return scope;
	}

	/** Interrupts the scope's thread on behalf of this scope; at most once, while the scope is open. */
	public void interrupt() {
		this.sent = true;
		this.outstanding.incrementAndGet();
		this.thread.interrupt();
	}

	/** Whether {@link #interrupt()} was called. */
	public boolean interrupted() {
		return this.sent;
	}

	/**
	 * Closes the scope on its own thread, taking back the interrupt it was sent, if any, unless the
	 * status belongs to someone else too (see the class comment).
	 */
	public void exit() {
		if (this.outer != null) {
			CURRENT.set(this.outer);
		}
		else {
			CURRENT.remove();
		}
		if (this.sent) {
			Thread.interrupted();
			// read after the status is cleared: an interrupt counted later is delivered later
			int othersLeft = this.outstanding.decrementAndGet() - this.outstandingAtEntry;
			if (this.pendingAtEntry || othersLeft > 0) {
				this.thread.interrupt();
			}
		}
	}
}
