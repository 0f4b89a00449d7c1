package dev.sluice.internal;

import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

/**
 * A stretch of work on one thread that Sluice may interrupt (a task's body, a
 * {@code Timeout.call}), so that whoever takes an interrupt back knows whose it was. Not
 * API.
 *
 * <p>
 * Contract: a scope is entered and exited by its own thread, in nested order; another
 * thread may call {@link #interrupt()} at most once, and only while the scope is open
 * (the owner's own state machine guarantees both: it waits out an interrupt in flight
 * before it exits). {@link #exit()} takes back that interrupt and nothing else: the
 * thread's interrupt status is left set if it was set when the scope was entered, or if
 * another Sluice scope of this thread was interrupted while this one was open and has not
 * taken its interrupt back.
 *
 * <p>
 * The one thing a scope cannot tell apart is an interrupt sent from outside Sluice after
 * its own and before the scope ends (while work that ignores interrupts runs on, say):
 * the status is one bit, so both are taken back together.
 */
public final class InterruptScope {

	/**
	 * Each thread's scopes: kept for the thread's life, so entering and leaving allocate
	 * only the scope.
	 */
	private static final ThreadLocal<Scopes> SCOPES = ThreadLocal.withInitial(Scopes::new);

	private final Thread thread;

	private final Scopes scopes;

	private final @Nullable InterruptScope outer;

	private final int outstandingAtEntry;

	private final boolean pendingAtEntry;

	/**
	 * Written by the interrupting thread before it interrupts; read by the owner at exit.
	 */
	private volatile boolean sent;

	private InterruptScope(Thread thread, Scopes scopes) {
		this.thread = thread;
		this.scopes = scopes;
		this.outer = scopes.current;
		this.outstandingAtEntry = scopes.outstanding.get();
		this.pendingAtEntry = thread.isInterrupted();
	}

	/** Opens a scope on the calling thread. */
	public static InterruptScope enter() {
		Scopes scopes = SCOPES.get();
		InterruptScope scope = new InterruptScope(Thread.currentThread(), scopes);
		scopes.current = scope;
		return scope;
	}

	/**
	 * Interrupts the scope's thread on behalf of this scope; at most once, while the
	 * scope is open.
	 */
	public void interrupt() {
		this.sent = true;
		this.scopes.outstanding.incrementAndGet();
		this.thread.interrupt();
	}

	/** Whether {@link #interrupt()} was called. */
	public boolean interrupted() {
		return this.sent;
	}

	/**
	 * Closes the scope on its own thread, taking back the interrupt it was sent, if any,
	 * unless the status belongs to someone else too (see the class comment).
	 */
	public void exit() {
		this.scopes.current = this.outer;
		if (this.sent) {
			Thread.interrupted();
			// read after the status is cleared: an interrupt counted later is delivered
			// later
			int othersLeft = this.scopes.outstanding.decrementAndGet() - this.outstandingAtEntry;
			if (this.pendingAtEntry || othersLeft > 0) {
				this.thread.interrupt();
			}
		}
	}

	/**
	 * A thread's open scopes, innermost first, and the interrupts sent to them not yet
	 * taken back.
	 */
	private static final class Scopes {

		/** Touched by the owning thread only. */
		@Nullable InterruptScope current;

		/**
		 * Interrupts that Sluice scopes of this thread have sent and not yet taken back.
		 */
		final AtomicInteger outstanding = new AtomicInteger();

	}

}
