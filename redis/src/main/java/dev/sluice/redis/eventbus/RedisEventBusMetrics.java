package dev.sluice.redis.eventbus;

import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

/**
 * Binds a {@link RedisEventTransport} to Micrometer. Per topic (tag {@code topic}):
 * {@code sluice.eventbus.redis.published}, {@code .received} (by the broadcast reader),
 * {@code .missed} (trimmed before the broadcast reader read them), {@code .malformed}
 * (entries that were not a readable event, each dead-lettered) and {@code .trim.held}
 * counters, and the {@code .stream.length} gauge. Per group (tags {@code topic} and
 * {@code group}), added up over this instance's members: {@code .delivered},
 * {@code .failed}, {@code .reclaimed} and {@code .dead.lettered} counters, and the
 * {@code .pending} and {@code .lag} gauges, which are the group's on all instances.
 * Topics and groups met later are bound then; none is removed, so a counter never goes
 * down.
 *
 * <p>
 * Counters read the transport's counters when scraped. The gauges need Redis: their
 * figures are read at most once a second per topic (one pipelined round trip, bounded by
 * the publish timeout), and are NaN while Redis does not answer.
 */
public final class RedisEventBusMetrics implements MeterBinder {

	private final RedisEventTransport transport;

	/** Metrics for the given transport. */
	public RedisEventBusMetrics(RedisEventTransport transport) {
		this.transport = transport;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		this.transport.topics().listen(new Topics.Listener() {

			@Override
			public void topic(TopicState topic) {
				bind(topic, registry);
			}

			@Override
			public void group(GroupState group) {
				bind(group, registry);
			}
		});
	}

	private void bind(TopicState topic, MeterRegistry registry) {
		Tags tags = Tags.of("topic", topic.topic);
		counter(registry, "sluice.eventbus.redis.published", topic, (t) -> t.published, tags,
				"Events this instance put in the topic's stream");
		counter(registry, "sluice.eventbus.redis.received", topic, (t) -> t.received, tags,
				"Events this instance's broadcast reader handed to its subscribers");
		counter(registry, "sluice.eventbus.redis.missed", topic, (t) -> t.missed, tags,
				"Events trimmed from the stream before this instance's broadcast reader read them");
		counter(registry, "sluice.eventbus.redis.malformed", topic, (t) -> t.malformed, tags,
				"Entries this instance read that were not a readable event; each was dead-lettered");
		counter(registry, "sluice.eventbus.redis.trim.held", topic, (t) -> t.trimHeld, tags,
				"Trim passes that left the stream above max-length for a group's unacknowledged entries");
		gauge(registry, "sluice.eventbus.redis.stream.length", topic, (figures) -> figures.length(), tags,
				"Entries in the topic's stream");
	}

	private void bind(GroupState group, MeterRegistry registry) {
		Tags tags = Tags.of("topic", group.topic.topic, "group", group.name);
		counter(registry, "sluice.eventbus.redis.delivered", group, (g) -> g.delivered, tags,
				"Events this instance's members of the group handled (then acknowledged)");
		counter(registry, "sluice.eventbus.redis.failed", group, (g) -> g.failed, tags,
				"Events whose handler threw in this instance's members of the group (retried later)");
		counter(registry, "sluice.eventbus.redis.reclaimed", group, (g) -> g.reclaimed, tags,
				"Idle pending events this instance's members of the group took over");
		counter(registry, "sluice.eventbus.redis.dead.lettered", group, (g) -> g.deadLettered, tags,
				"Events this instance's members of the group dead-lettered: malformed, or past max-deliveries");
		gauge(registry, "sluice.eventbus.redis.pending", group.topic, (figures) -> value(figures.pending(), group.name),
				tags, "The group's events delivered to a member and not acknowledged, on all instances");
		gauge(registry, "sluice.eventbus.redis.lag", group.topic, (figures) -> value(figures.lag(), group.name), tags,
				"The group's events not yet delivered to any member (NaN when Redis cannot tell)");
	}

	private static @Nullable Long value(@Nullable Map<String, @Nullable Long> values, String group) {
		return (values != null) ? values.get(group) : null;
	}

	private static <T> void counter(MeterRegistry registry, String name, T owner, Function<T, LongAdder> counter,
			Tags tags, String description) {
		FunctionCounter.builder(name, owner, (o) -> counter.apply(o).sum())
			.tags(tags)
			.description(description)
			.baseUnit("events")
			.register(registry);
	}

	private void gauge(MeterRegistry registry, String name, TopicState topic,
			Function<StreamFigures, @Nullable Long> figure, Tags tags, String description) {
		StreamFiguresReader figures = this.transport.figures();
		ToDoubleFunction<TopicState> read = (t) -> {
			Long value = figure.apply(figures.cached(t));
			return (value != null) ? value : Double.NaN;
		};
		Gauge.builder(name, topic, read).tags(tags).description(description).baseUnit("events").register(registry);
	}

}
