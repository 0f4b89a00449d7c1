package dev.sluice.autoconfigure.eventbus;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.sluice.autoconfigure.actuate.SluiceEndpointContributor;
import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.SubscriberStats;

/**
 * Shows the event bus in {@code /actuator/sluice}: each topic and the counters of its
 * subscribers.
 */
class EventBusEndpointContributor implements SluiceEndpointContributor {

	private final EventBus bus;

	EventBusEndpointContributor(EventBus bus) {
		this.bus = bus;
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
		return Map.of(this.bus.name(), new BusView(this.bus.dispatchers(), topics));
	}

	/** The bus: its dispatcher threads and its topics. */
	record BusView(int dispatchers, Map<String, TopicView> topics) {
	}

	/**
	 * A topic: events published while it had subscribers, and each subscriber's counters.
	 */
	record TopicView(long published, Map<String, SubscriberStats> subscribers) {
	}

}
