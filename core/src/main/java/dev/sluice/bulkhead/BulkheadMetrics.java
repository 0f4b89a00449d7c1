package dev.sluice.bulkhead;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Binds bulkheads to Micrometer, tagged {@code name}: {@code sluice.bulkhead.permits}
 * (the limit), {@code sluice.bulkhead.available}, {@code sluice.bulkhead.in.use} and
 * {@code sluice.bulkhead.waiting} gauges, the {@code sluice.bulkhead.wait} timer of
 * acquires that had to wait, the {@code sluice.bulkhead.rejected} counter, and the
 * {@code sluice.bulkhead.keys} gauge of keys live now ({@link Bulkhead#forKey}: the keys
 * themselves are never tags). Every meter reads the bulkhead when it is scraped, so
 * binding adds nothing to the acquire path.
 */
public final class BulkheadMetrics implements MeterBinder {

	private final List<Bulkhead> bulkheads = new ArrayList<>();

	private final Tags tags;

	/**
	 * Metrics for the given bulkheads, each tagged with its name and the given extra
	 * tags.
	 */
	public BulkheadMetrics(Iterable<Bulkhead> bulkheads, Iterable<Tag> tags) {
		bulkheads.forEach(this.bulkheads::add);
		this.tags = Tags.of(tags);
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		for (Bulkhead bulkhead : this.bulkheads) {
			Tags tags = this.tags.and("name", bulkhead.name());
			Gauge.builder("sluice.bulkhead.permits", bulkhead, Bulkhead::permits)
				.tags(tags)
				.description("Current limit of permits")
				.baseUnit("permits")
				.register(registry);
			Gauge.builder("sluice.bulkhead.available", bulkhead, (b) -> b.stats().available())
				.tags(tags)
				.description("Permits free now")
				.baseUnit("permits")
				.register(registry);
			Gauge.builder("sluice.bulkhead.in.use", bulkhead, (b) -> b.stats().inUse())
				.tags(tags)
				.description("Permits held now")
				.baseUnit("permits")
				.register(registry);
			Gauge.builder("sluice.bulkhead.waiting", bulkhead, (b) -> b.stats().waiting())
				.tags(tags)
				.description("Callers waiting for permits now")
				.baseUnit("threads")
				.register(registry);
			FunctionTimer
				.builder("sluice.bulkhead.wait", bulkhead, (b) -> b.stats().waited(),
						(b) -> b.stats().waitTime().toNanos(), TimeUnit.NANOSECONDS)
				.tags(tags)
				.description("Time spent waiting by acquires that found no free permit")
				.register(registry);
			Gauge.builder("sluice.bulkhead.keys", bulkhead, Bulkhead::keyCount)
				.tags(tags)
				.description("Keys live now, each with a semaphore of its own")
				.register(registry);
			FunctionCounter.builder("sluice.bulkhead.rejected", bulkhead, (b) -> b.stats().rejected())
				.tags(tags)
				.description("Acquires that got no permit: timed out, or shut down")
				.register(registry);
		}
	}

}
