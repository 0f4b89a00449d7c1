package dev.sluice.redis.eventbus;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

import org.jspecify.annotations.Nullable;

/**
 * One consumer group of one topic, as this instance takes part in it: the group's
 * counters, added up over its members here, past and present (for metrics, which must not
 * go down when a member leaves), and the names of its members here. Counters are
 * {@link LongAdder}s; {@code type} and {@code consumers} are guarded by this object's
 * monitor.
 */
final class GroupState {

	final TopicState topic;

	final String name;

	final LongAdder delivered = new LongAdder();

	final LongAdder failed = new LongAdder();

	final LongAdder reclaimed = new LongAdder();

	final LongAdder deadLettered = new LongAdder();

	/**
	 * The event type of the members here; every member of a group takes the same type.
	 */
	private @Nullable Class<?> type;

	private final Set<String> consumers = new HashSet<>();

	GroupState(TopicState topic, String name) {
		this.topic = topic;
		this.name = name;
	}

	/**
	 * Registers a member, refusing a second member of the same name or one of another
	 * type.
	 */
	synchronized void join(String consumer, String member, Class<?> memberType) {
		if (this.type != null && !this.consumers.isEmpty() && !this.type.equals(memberType)) {
			throw new IllegalArgumentException(
					"Group '" + this.name + "' of topic '" + this.topic.topic + "' takes events of type "
							+ this.type.getName() + "; member '" + member + "' asks for " + memberType.getName()
							+ ". Members of one group share its events, so they must take the" + " same type");
		}
		if (!this.consumers.add(consumer)) {
			throw new IllegalArgumentException("Group '" + this.name + "' of topic '" + this.topic.topic
					+ "' already has a member named '" + member + "' in this instance");
		}
		this.type = memberType;
	}

	synchronized void leave(String consumer) {
		this.consumers.remove(consumer);
	}

}
