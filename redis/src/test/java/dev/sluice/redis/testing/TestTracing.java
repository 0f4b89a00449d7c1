package dev.sluice.redis.testing;

import java.util.List;
import java.util.Optional;

import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelBaggageManager;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;

/**
 * Micrometer Tracing over a real OpenTelemetry SDK whose finished spans stay in memory:
 * an {@link ObservationRegistry} with the tracing handlers Spring Boot registers
 * (propagating sender and receiver, W3C trace context and baggage, and the default one),
 * as one instance of an application has it. Each instance of this class is one such
 * application: two of them share nothing but what travels in the events.
 */
public final class TestTracing implements AutoCloseable {

	private final InMemorySpanExporter spans = InMemorySpanExporter.create();

	private final SdkTracerProvider provider;

	private final OtelTracer tracer;

	private final ObservationRegistry registry = ObservationRegistry.create();

	public TestTracing() {
		this.provider = SdkTracerProvider.builder()
			.setSampler(Sampler.alwaysOn())
			.addSpanProcessor(SimpleSpanProcessor.create(this.spans))
			.build();
		ContextPropagators propagators = ContextPropagators.create(TextMapPropagator
			.composite(W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance()));
		OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
			.setTracerProvider(this.provider)
			.setPropagators(propagators)
			.build();
		io.opentelemetry.api.trace.Tracer otel = sdk.getTracer("sluice-test");
		OtelCurrentTraceContext current = new OtelCurrentTraceContext();
		this.tracer = new OtelTracer(otel, current, (event) -> {
		}, new OtelBaggageManager(current, List.of("tenant"), List.of()));
		OtelPropagator propagator = new OtelPropagator(propagators, otel);
		this.registry.observationConfig()
			.observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
					new PropagatingSenderTracingObservationHandler<>(this.tracer, propagator),
					new PropagatingReceiverTracingObservationHandler<>(this.tracer, propagator),
					new DefaultTracingObservationHandler(this.tracer)));
	}

	/** The registry to give the bus. */
	public ObservationRegistry registry() {
		return this.registry;
	}

	public Tracer tracer() {
		return this.tracer;
	}

	/** The spans finished so far. */
	public List<SpanData> spans() {
		return this.spans.getFinishedSpanItems();
	}

	/** The finished span of that name, if there is one. */
	public Optional<SpanData> span(String name) {
		return spans().stream().filter((span) -> span.getName().equals(name)).findFirst();
	}

	/** The finished spans of that name. */
	public List<SpanData> spans(String name) {
		return spans().stream().filter((span) -> span.getName().equals(name)).toList();
	}

	@Override
	public void close() {
		this.provider.close();
	}

}
