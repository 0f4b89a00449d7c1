package dev.sluice.timeout;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs work with a deadline (Go's {@code context.WithTimeout} plus a {@code select} on
 * {@code ctx.Done()}): when the deadline passes, the work is interrupted and the caller gets a
 * {@link TimeoutException}.
 *
 * <pre>{@code
 * Report report = Timeout.call(Duration.ofSeconds(2), () -> reports.build(id));
 * }</pre>
 *
 * <ul>
 * <li>The work runs on the calling thread, so thread-locals (security, transactions, MDC) stay in
 * place; no thread is created per call.</li>
 * <li>While it runs, {@link Deadline#current()} is set, and Sluice's own waits inside it (pool
 * submissions, semaphore and rate-limiter acquires, channel sends and receives) wait no longer than
 * the time left. A nested call's deadline is never later than its caller's.</li>
 * <li>If the deadline passes, the thread is interrupted; once the work returns or throws, the caller
 * gets a {@link TimeoutException} (the work's own exception, if any, is added as suppressed) and
 * the interrupt is cleared. If the work finishes first, its result or exception is the outcome and
 * no interrupt is ever sent. Work that ignores interrupts runs to its end before the caller hears
 * of the timeout.</li>
 * </ul>
 *
 * <p>Design notes. One shared daemon timer thread schedules the interrupts. The caller and the timer
 * agree through one atomic state (RUNNING → DONE, or RUNNING → INTERRUPTING → INTERRUPTED), so an
 * interrupt is never sent after the work has finished and never leaks into what the thread does
 * next.
 */
public final class Timeout {

	private static final int RUNNING = 0;

	private static final int DONE = 1;

	private static final int INTERRUPTING = 2;

	private static final int INTERRUPTED = 3;

	private static final ScheduledExecutorService TIMER = timer();

	private Timeout() {
	}

	private static ScheduledExecutorService timer() {
		ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, (task) -> {
			Thread thread = new Thread(task, "sluice-timeout");
			thread.setDaemon(true);
			return thread;
		});
		timer.setRemoveOnCancelPolicy(true);
		return timer;
	}

	/**
	 * Runs the work with a deadline and returns its result.
	 * @throws TimeoutException if the deadline passed before the work finished
	 * @throws Exception whatever the work threw, if it finished first
	 */
	public static <T> T call(Duration timeout, Callable<T> work) throws Exception {
		Objects.requireNonNull(timeout, "timeout");
		Objects.requireNonNull(work, "work");
		Thread caller = Thread.currentThread();
		boolean interruptedBefore = caller.isInterrupted();
		AtomicInteger state = new AtomicInteger(RUNNING);
		Deadline previous = Deadline.enter(timeout);
		long nanos = Deadline.current().orElseThrow().nanosLeft();
		ScheduledFuture<?> alarm = TIMER.schedule(() -> {
			if (state.compareAndSet(RUNNING, INTERRUPTING)) {
				caller.interrupt();
				state.set(INTERRUPTED);
			}
		}, Math.max(0, nanos), TimeUnit.NANOSECONDS);
		T result = null;
		Throwable failure = null;
		try {
			result = work.call();
		}
		catch (Throwable ex) {
			failure = ex;
		}
		finally {
			alarm.cancel(false);
			Deadline.exit(previous);
		}
		if (!state.compareAndSet(RUNNING, DONE)) {
			while (state.get() == INTERRUPTING) {
				Thread.yield();
			}
			Thread.interrupted();
			if (interruptedBefore) {
				caller.interrupt();
			}
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
}
