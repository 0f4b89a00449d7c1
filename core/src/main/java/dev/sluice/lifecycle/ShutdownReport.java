package dev.sluice.lifecycle;

import java.time.Duration;
import java.util.List;

/**
 * What a shutdown did: how long it took and, per component, how many accepted tasks it
 * had to abandon because they did not finish within the timeout.
 *
 * @param took how long the whole shutdown took
 * @param components one entry per component: those that hold work first, in the order
 * given
 */
public record ShutdownReport(Duration took, List<Component> components) {

	public ShutdownReport {
		components = List.copyOf(components);
	}

	/** Total of abandoned tasks over all components. */
	public int abandoned() {
		return (int) Math.min(Integer.MAX_VALUE, components.stream().mapToLong(Component::abandoned).sum());
	}

	/** Whether every component finished all of its accepted work. */
	public boolean clean() {
		return abandoned() == 0 && components.stream().allMatch(Component::drained);
	}

	/**
	 * One component's outcome.
	 *
	 * @param name the component's name
	 * @param drained whether all of its accepted work finished before the deadline
	 * @param abandoned how many tasks were dropped from its queue or interrupted
	 */
	public record Component(String name, boolean drained, int abandoned) {
	}
}
