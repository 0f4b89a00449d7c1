package dev.sluice.timeout;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sluice.internal.InterruptScope;
import org.jspecify.annotations.Nullable;

/**
 * Runs work with a deadline (Go's {@code context.WithTimeout} plus a {@code select} on
 * {@code ctx.Done()}): when the deadline passes, the work is interrupted and the caller
 * gets a {@link TimeoutException}.
 *
 * <pre>{@code
 * Report report = Timeout.call(Duration.ofSeconds(2), () -> reports.build(id));
 * }</pre>
 *
 * <ul>
 * <li>The work runs on the calling thread, so thread-locals (security, transactions, MDC)
 * stay in place; no thread is created per call.</li>
 * <li>While it runs, {@link Deadline#current()} is set, and Sluice's own waits inside it
 * (pool submissions, semaphore and rate-limiter acquires, channel sends and receives)
 * wait no longer than the time left. A nested call's deadline is never later than its
 * caller's.</li>
 * <li>If the deadline passes, the thread is interrupted; once the work returns or throws,
 * the caller gets a {@link TimeoutException} (the work's own exception, if any, is added
 * as suppressed) and the interrupt is taken back. If the work finishes first, its result
 * or exception is the outcome, even when the alarm goes off a moment later; so a finished
 * result is never replaced by a timeout. Work that ignores interrupts runs to its end
 * before the caller hears of the timeout.</li>
 * <li>Only the interrupt this call sent is taken back: an interrupt that was pending when
 * the call began, or that an enclosing {@code Timeout.call} (or the cancel of an
 * enclosing task) sent meanwhile, is still set when this call returns or throws.</li>
 * </ul>
 *
 * <p>
 * Design notes. One shared daemon timer thread schedules the interrupts. The caller and
 * the timer agree through one atomic state (RUNNING → DONE, or RUNNING → INTERRUPTING →
 * INTERRUPTED), so an interrupt is never sent after the caller has seen the work end. The
 * work's end is timed before that state change, and the alarm's interrupt after its own;
 * if the work ended first, the alarm hit nothing of it and the work's outcome stands. The
 * interrupt goes through an {@link InterruptScope}, which is how nested calls keep each
 * other's interrupts.
 */
public final class Timeout {

	private static final int RUNNING = 0;

	private static final int DONE = 1;

	private static final int INTERRUPTING = 2;

	private static final int INTERRUPTED = 3;

	private static final Alarms ALARMS = timer();

	private Timeout() {
	}

	private static Alarms timer() {
		ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, (task) -> {
			Thread thread = new Thread(task, "sluice-timeout");
			thread.setDaemon(true);
			return thread;
		});
		timer.setRemoveOnCancelPolicy(true);
		return (alarm, nanos) -> {
			ScheduledFuture<?> scheduled = timer.schedule(alarm, nanos, TimeUnit.NANOSECONDS);
			return () -> scheduled.cancel(false);
		};
	}

	/**
	 * Runs the work with a deadline and returns its result.
	 * @throws TimeoutException if the deadline passed before the work finished
	 * @throws Exception whatever the work threw, if it finished first
	 */
	public static <T> T call(Duration timeout, Callable<T> work) throws Exception {
		return call(timeout, work, ALARMS);
	}

	@SuppressWarnings("NullAway") // the result is the work's own, null only if the work
									// returned null
	static <T> T call(Duration timeout, Callable<T> work, Alarms alarms) throws Exception {
		Objects.requireNonNull(timeout, "timeout");
		Objects.requireNonNull(work, "work");
		Deadline previous = Deadline.enter(timeout);
		Alarm alarm = new Alarm(InterruptScope.enter());
		Runnable cancel = alarms.schedule(alarm, Math.max(0, Deadline.current().orElseThrow().nanosLeft()));
		@Nullable T result = null;
		@Nullable Throwable failure = null;
		try {
			result = work.call();
		}
		catch (Throwable ex) {
			failure = ex;
		}
		long ended = System.nanoTime();
		cancel.run();
		Deadline.exit(previous);
		boolean alarmWentOff = !alarm.state.compareAndSet(RUNNING, DONE);
		if (alarmWentOff) {
			while (alarm.state.get() == INTERRUPTING) {
				Thread.yield();
			}
		}
		alarm.scope.exit();
		if (alarmWentOff && ended - alarm.interruptedAt >= 0) {
			TimeoutException timedOut = new TimeoutException("The work did not finish within " + timeout);
			if (failure != null) {
				timedOut.addSuppressed(failure);
			}
			throw timedOut;
		}
		if (failure instanceof Error error) {
			throw error;
		}
		if (failure != null) {
			throw (Exception) failure;
		}
		return result;
	}

	/**
	 * Runs the work with a deadline.
	 * @throws TimeoutException if the deadline passed before the work finished
	 * @throws Exception whatever the work threw, if it finished first
	 */
	public static void run(Duration timeout, Runnable work) throws Exception {
		Objects.requireNonNull(work, "work");
		call(timeout, () -> {
			work.run();
			return null;
		});
	}

	/** Where alarms are set: the shared timer, or a test's own. */
	@FunctionalInterface
	interface Alarms {

		/**
		 * Runs the alarm once, {@code nanos} from now, unless the returned action cancels
		 * it first.
		 */
		Runnable schedule(Runnable alarm, long nanos);

	}

	/** One call's alarm: interrupts the caller unless the work has ended. */
	private static final class Alarm implements Runnable {

		final AtomicInteger state = new AtomicInteger(RUNNING);

		final InterruptScope scope;

		/** When the interrupt was sent; written before the state becomes INTERRUPTED. */
		long interruptedAt;

		Alarm(InterruptScope scope) {
			this.scope = scope;
		}

		@Override
		public void run() {
			if (this.state.compareAndSet(RUNNING, INTERRUPTING)) {
				try {
					this.interruptedAt = System.nanoTime();
					this.scope.interrupt();
				}
				finally {
					this.state.set(INTERRUPTED);
				}
			}
		}

	}

}
