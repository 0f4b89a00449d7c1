package dev.sluice.eventbus;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Binds an {@link EventBus} to Micrometer, per subscriber (tags {@code topic} and
 * {@code subscriber}): {@code sluice.eventbus.offered}, {@code .delivered},
 * {@code .failed} and {@code .dropped} (tag {@code reason}: {@code newest},
 * {@code oldest}, {@code rejected}, {@code discarded}) counters, the
 * {@code sluice.eventbus.queued} gauge and the {@code sluice.eventbus.delivery} timer of
 * time from publish to delivery; per topic, {@code sluice.eventbus.published}.
 * Subscribers that join later are bound then, and their meters are removed when they
 * unsubscribe. Every meter reads the subscriber's counters when scraped.
 */
public final class EventBusMetrics implements MeterBinder {

	private final EventBus bus;

	/** Metrics for the given bus. */
	public EventBusMetrics(EventBus bus) {
		this.bus = bus;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		// what this registry holds, kept per registry so that binding to several never
		// mixes them
		Map<Subscriber, List<Meter>> meters = new ConcurrentHashMap<>();
		Map<String, Boolean> topics = new ConcurrentHashMap<>();
		this.bus.listen(new EventBus.SubscriberListener() {

			@Override
			public void added(Subscriber subscriber) {
				meters.put(subscriber, bind(subscriber, registry, topics));
			}

			@Override
			public void removed(Subscriber subscriber) {
				List<Meter> bound = meters.remove(subscriber);
				if (bound != null) {
					bound.forEach(registry::remove);
				}
			}
		});
	}

	private List<Meter> bind(Subscriber subscriber, MeterRegistry registry, Map<String, Boolean> topics) {
		String topic = subscriber.topic;
		if (topics.putIfAbsent(topic, Boolean.TRUE) == null) {
			FunctionCounter.builder("sluice.eventbus.published", this.bus, (bus) -> bus.published(topic))
				.tags("topic", topic)
				.description("Events published to the topic while it had subscribers")
				.baseUnit("events")
				.register(registry);
		}
		Tags tags = Tags.of("topic", topic, "subscriber", subscriber.options.name());
		List<Meter> bound = List.of(
				counter(registry, "sluice.eventbus.offered", subscriber, SubscriberStats::offered, tags,
						"Events published to the subscriber"),
				counter(registry, "sluice.eventbus.delivered", subscriber, SubscriberStats::delivered, tags,
						"Events the subscriber's handler took without throwing"),
				counter(registry, "sluice.eventbus.failed", subscriber, SubscriberStats::failed, tags,
						"Events the subscriber's handler threw on"),
				counter(registry, "sluice.eventbus.dropped", subscriber, SubscriberStats::droppedNewest,
						tags.and("reason", "newest"), "Events dropped for the subscriber"),
				counter(registry, "sluice.eventbus.dropped", subscriber, SubscriberStats::droppedOldest,
						tags.and("reason", "oldest"), "Events dropped for the subscriber"),
				counter(registry, "sluice.eventbus.dropped", subscriber, SubscriberStats::rejected,
						tags.and("reason", "rejected"), "Events dropped for the subscriber"),
				counter(registry, "sluice.eventbus.dropped", subscriber, SubscriberStats::discarded,
						tags.and("reason", "discarded"), "Events dropped for the subscriber"),
				Gauge.builder("sluice.eventbus.queued", subscriber, (s) -> s.stats().queued())
					.tags(tags)
					.description("Events waiting for the subscriber or being delivered")
					.baseUnit("events")
					.register(registry),
				FunctionTimer.builder("sluice.eventbus.delivery", subscriber, (s) -> {
					SubscriberStats stats = s.stats();
					return stats.delivered() + stats.failed();
				}, (s) -> s.stats().deliveryTime().toNanos(), TimeUnit.NANOSECONDS)
					.tags(tags)
					.description("Time from publish to the end of delivery")
					.register(registry));
		return bound;
	}

	private static Meter counter(MeterRegistry registry, String name, Subscriber subscriber,
			ToDoubleFunction<SubscriberStats> value, Tags tags, String description) {
		return FunctionCounter.builder(name, subscriber, (s) -> value.applyAsDouble(s.stats()))
			.tags(tags)
			.description(description)
			.baseUnit("events")
			.register(registry);
	}

}
