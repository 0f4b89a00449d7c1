package dev.sluice.lifecycle;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.sluice.InvalidSettingException;
import dev.sluice.timeout.Deadline;

/**
 * Stops a set of {@link Drainable} components against one deadline: first every component
 * that holds work stops intake, then all of them drain together until the deadline, then
 * whatever is left is abandoned; last, the components that only guard work (bulkheads,
 * rate limiters) stop, since the drained tasks may have needed them.
 *
 * <p>
 * Draining in parallel means the total time is bounded by the timeout, not by the timeout
 * times the number of components. Abandoning may add a short grace per component that
 * still had work (a pool waits at most {@code WorkerPool.ABANDON_GRACE} for its
 * interrupted tasks to end). If the calling thread is interrupted while it waits, the
 * remaining work is abandoned at once and the interrupt status is kept.
 */
public final class GracefulShutdown {

	private GracefulShutdown() {
	}

	/**
	 * Runs the three steps over the components.
	 * @param components what to stop
	 * @param timeout how long accepted work may take to finish, for all components
	 * together
	 * @return what happened to each component
	 */
	public static ShutdownReport drain(List<? extends Drainable> components, Duration timeout) {
		if (timeout == null || timeout.isNegative()) {
			throw new InvalidSettingException("timeout", timeout, "timeout must be zero or positive, was " + timeout);
		}
		long start = System.nanoTime();
		long deadline = start + Math.max(0, Deadline.cap(timeout));
		List<ShutdownReport.Component> outcomes = new ArrayList<>(components.size());
		for (Drainable component : components) {
			if (component.holdsWork()) {
				component.stopIntake();
			}
		}
		boolean interrupted = false;
		for (Drainable component : components) {
			if (!component.holdsWork()) {
				continue;
			}
			boolean drained = false;
			if (!interrupted) {
				try {
					drained = component.awaitDrained(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
				}
				catch (InterruptedException ex) {
					interrupted = true;
				}
			}
			int abandoned = drained ? 0 : component.abandonRemaining();
			outcomes.add(new ShutdownReport.Component(component.name(), drained, abandoned));
		}
		for (Drainable component : components) {
			if (!component.holdsWork()) {
				component.stopIntake();
				outcomes.add(new ShutdownReport.Component(component.name(), true, 0));
			}
		}
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
		return new ShutdownReport(Duration.ofNanos(System.nanoTime() - start), outcomes);
	}

}
