package dev.sluice.pipeline;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Binds the stages of a {@link Pipelines} to Micrometer, tagged {@code pipeline} and
 * {@code stage}: {@code sluice.pipeline.items.in} and {@code sluice.pipeline.items.out}
 * counters, the {@code sluice.pipeline.item} timer of time spent per item, and the
 * {@code sluice.pipeline.buffered} gauge of the stage's output buffer. A stage that first
 * runs after binding is bound then. Every meter reads the stage's counters when scraped.
 */
public final class PipelineMetrics implements MeterBinder {

	private final Pipelines pipelines;

	private final Tags tags;

	/** Metrics for the stages of the given pipelines, with the given extra tags. */
	public PipelineMetrics(Pipelines pipelines, Iterable<Tag> tags) {
		this.pipelines = pipelines;
		this.tags = Tags.of(tags);
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		this.pipelines.onStage((stage) -> bind(stage, registry));
	}

	private void bind(StageCounters stage, MeterRegistry registry) {
		Tags tags = this.tags.and("pipeline", stage.pipeline, "stage", stage.stage);
		FunctionCounter.builder("sluice.pipeline.items.in", stage, (s) -> s.in.sum())
			.tags(tags)
			.description("Items a stage has taken")
			.baseUnit("items")
			.register(registry);
		FunctionCounter.builder("sluice.pipeline.items.out", stage, (s) -> s.out.sum())
			.tags(tags)
			.description("Items a stage has passed on")
			.baseUnit("items")
			.register(registry);
		FunctionTimer
			.builder("sluice.pipeline.item", stage, (s) -> s.in.sum(), (s) -> s.nanos.sum(), TimeUnit.NANOSECONDS)
			.tags(tags)
			.description("Time a stage's workers spent per item")
			.register(registry);
		Gauge.builder("sluice.pipeline.buffered", stage, StageCounters::buffered)
			.tags(tags)
			.description("Items waiting in the stage's output buffer")
			.baseUnit("items")
			.register(registry);
	}

}
