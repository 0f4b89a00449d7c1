package dev.sluice.autoconfigure.eventbus;

import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Binds the publishes held for transactions to Micrometer, per topic (tag {@code topic}),
 * from the first publish of the topic that was held: {@code sluice.eventbus.deferred}
 * (held for a commit), {@code sluice.eventbus.deferred.settled} (tag {@code outcome}:
 * {@code published}, {@code failed} or {@code rolled-back}) and the
 * {@code sluice.eventbus.deferred.waiting} gauge. Every meter reads the counters when
 * scraped.
 */
final class TransactionalPublishingMetrics implements MeterBinder {

	private final TransactionalPublishing publishing;

	TransactionalPublishingMetrics(TransactionalPublishing publishing) {
		this.publishing = publishing;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		this.publishing.listen((topic) -> bind(topic, registry));
	}

	private void bind(String topic, MeterRegistry registry) {
		Tags tags = Tags.of("topic", topic);
		counter(registry, "sluice.eventbus.deferred", topic, TransactionalPublishing.Stats::deferred, tags,
				"Publishes held for their transaction to commit");
		counter(registry, "sluice.eventbus.deferred.settled", topic, TransactionalPublishing.Stats::published,
				tags.and("outcome", "published"), "Held publishes settled when their transaction ended");
		counter(registry, "sluice.eventbus.deferred.settled", topic, TransactionalPublishing.Stats::failed,
				tags.and("outcome", "failed"), "Held publishes settled when their transaction ended");
		counter(registry, "sluice.eventbus.deferred.settled", topic, TransactionalPublishing.Stats::rolledBack,
				tags.and("outcome", "rolled-back"), "Held publishes settled when their transaction ended");
		Gauge.builder("sluice.eventbus.deferred.waiting", this.publishing, (p) -> p.stats(topic).waiting())
			.tags(tags)
			.description("Held publishes whose transaction has not ended yet")
			.baseUnit("events")
			.register(registry);
	}

	private void counter(MeterRegistry registry, String name, String topic,
			ToDoubleFunction<TransactionalPublishing.Stats> value, Tags tags, String description) {
		FunctionCounter.builder(name, this.publishing, (p) -> value.applyAsDouble(p.stats(topic)))
			.tags(tags)
			.description(description)
			.baseUnit("events")
			.register(registry);
	}

}
