package dev.sluice.autoconfigure.eventbus;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.sluice.autoconfigure.actuate.SluiceEndpointContributor;
import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.SubscriberStats;
import org.jspecify.annotations.Nullable;

/**
 * Shows the event bus in {@code /actuator/sluice}: each topic and the counters of its
 * subscribers, and the publishes held for transactions, by topic.
 */
class EventBusEndpointContributor implements SluiceEndpointContributor {

	private final EventBus bus;

	private final @Nullable TransactionalPublishing transactional;

	EventBusEndpointContributor(EventBus bus, @Nullable TransactionalPublishing transactional) {
		this.bus = bus;
		this.transactional = transactional;
	}

	@Override
	public String kind() {
		return "event-bus";
	}

	@Override
	public Map<String, Object> components() {
		Map<String, Map<String, SubscriberStats>> byTopic = new LinkedHashMap<>();
		this.bus.topics().forEach((topic) -> byTopic.put(topic, new LinkedHashMap<>()));
		for (SubscriberStats stats : this.bus.stats()) {
			byTopic.computeIfAbsent(stats.topic(), (topic) -> new LinkedHashMap<>()).put(stats.name(), stats);
		}
		Map<String, TopicView> topics = new LinkedHashMap<>();
		byTopic
			.forEach((topic, subscribers) -> topics.put(topic, new TopicView(this.bus.published(topic), subscribers)));
		Map<String, TransactionalPublishing.Stats> afterCommit = new LinkedHashMap<>();
		if (this.transactional != null) {
			this.transactional.stats().forEach((stats) -> afterCommit.put(stats.topic(), stats));
		}
		return Map.of(this.bus.name(), new BusView(this.bus.dispatchers(), topics, afterCommit));
	}

	/**
	 * The bus: its dispatcher threads, its topics, and by topic the publishes held for
	 * transactions to commit.
	 */
	record BusView(int dispatchers, Map<String, TopicView> topics,
			Map<String, TransactionalPublishing.Stats> afterCommit) {
	}

	/**
	 * A topic: events published while it had subscribers, and each subscriber's counters.
	 */
	record TopicView(long published, Map<String, SubscriberStats> subscribers) {
	}

}
