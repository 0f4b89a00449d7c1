package dev.sluice.redis.eventbus;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The topics and groups a transport has met, each made on first use and kept for the
 * transport's life (their counters outlive the readers and members, for metrics, which
 * must never go down); and the listeners told of each, such as
 * {@link RedisEventBusMetrics}. Thread-safe: of two threads that make the same topic or
 * group, one wins and only it is told to the listeners.
 */
final class Topics {

	private final String keyPrefix;

	private final Map<String, TopicState> topics = new ConcurrentHashMap<>();

	private final Map<String, GroupState> groups = new ConcurrentHashMap<>();

	private final List<Listener> listeners = new CopyOnWriteArrayList<>();

	Topics(String keyPrefix) {
		this.keyPrefix = keyPrefix;
	}

	/** The topic's state, made now if it is new. */
	TopicState topic(String topic) {
		TopicState state = this.topics.get(topic);
		if (state != null) {
			return state;
		}
		TopicState created = new TopicState(topic, this.keyPrefix);
		state = this.topics.putIfAbsent(topic, created);
		if (state != null) {
			return state;
		}
		this.listeners.forEach((listener) -> listener.topic(created));
		return created;
	}

	/** The group's state on the topic, made now if it is new. */
	GroupState group(TopicState topic, String name) {
		String key = topic.topic + '\u0000' + name;
		GroupState group = this.groups.get(key);
		if (group != null) {
			return group;
		}
		GroupState created = new GroupState(topic, name);
		group = this.groups.putIfAbsent(key, created);
		if (group != null) {
			return group;
		}
		topic.groups.add(created);
		this.listeners.forEach((listener) -> listener.group(created));
		return created;
	}

	/** Every topic met so far. */
	Collection<TopicState> all() {
		return this.topics.values();
	}

	/**
	 * Tells the listener of every topic and group now and later (a few may be told
	 * twice).
	 */
	void listen(Listener listener) {
		this.listeners.add(listener);
		this.topics.values().forEach(listener::topic);
		this.groups.values().forEach(listener::group);
	}

	/** Hears of topics and groups as the transport meets them, for metrics. */
	interface Listener {

		void topic(TopicState topic);

		void group(GroupState group);

	}

}
