package dev.sluice.autoconfigure.eventbus;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.sluice.autoconfigure.actuate.SluiceEndpointContributor;
import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.SubscriberStats;

/** Describes the event bus for {@code /actuator/sluice}: each topic with its subscribers' live state. */
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
		Map<String, Map<String, Object>> subscribersByTopic = new LinkedHashMap<>();
		this.bus.topics().forEach((topic) -> subscribersByTopic.put(topic, new LinkedHashMap<>()));
		for (SubscriberStats stats : this.bus.stats()) {
			subscribersByTopic.computeIfAbsent(stats.topic(), (topic) -> new LinkedHashMap<>())
				.put(stats.name(), describe(stats));
		}
		Map<String, Object> topics = new LinkedHashMap<>();
		subscribersByTopic.forEach((topic, subscribers) -> {
			Map<String, Object> entry = new LinkedHashMap<>();
			entry.put("published", this.bus.published(topic));
			entry.put("subscribers", subscribers);
			topics.put(topic, entry);
		});
		Map<String, Object> bus = new LinkedHashMap<>();
		bus.put("dispatchers", this.bus.dispatchers());
		bus.put("topics", topics);
		return Map.of(this.bus.name(), bus);
	}

	private static Map<String, Object> describe(SubscriberStats stats) {
		Map<String, Object> state = new LinkedHashMap<>();
		state.put("buffer", stats.buffer());
		state.put("overflow", stats.overflow().configName());
		state.put("offered", stats.offered());
		state.put("delivered", stats.delivered());
		state.put("failed", stats.failed());
		state.put("dropped", stats.dropped());
		state.put("droppedNewest", stats.droppedNewest());
		state.put("droppedOldest", stats.droppedOldest());
		state.put("rejected", stats.rejected());
		state.put("discarded", stats.discarded());
		state.put("queued", stats.queued());
		return state;
	}
}
