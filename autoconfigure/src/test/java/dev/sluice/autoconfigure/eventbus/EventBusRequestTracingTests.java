package dev.sluice.autoconfigure.eventbus;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.EventSubscriber;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.micrometer.tracing.test.autoconfigure.AutoConfigureTracing;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * In a Spring MVC application on Tomcat with Spring Boot's own tracing auto-configuration
 * (Micrometer Tracing over OpenTelemetry, finished spans exported to an in-memory
 * exporter bean), a request whose handler publishes on the bus is one trace, the
 * caller's: the server's span of the request, the publish's span as its child and the
 * delivery's span as the publish's child, in which an {@code @EventSubscriber} method
 * runs with the trace in its MDC.
 */
@SpringBootTest(classes = EventBusRequestTracingTests.Application.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.tracing.sampling.probability=1.0",
				// the exporter's batches go out every 5s by default
				"management.opentelemetry.tracing.export.schedule-delay=50ms" })
// spring-boot-micrometer-tracing-test sets management.tracing.export.enabled=false in
// @SpringBootTest contexts: spans still reach an exporter bean, but propagation is a
// no-op
// and the caller's traceparent would be ignored. This turns export back on, as an
// application has it
@AutoConfigureTracing
class EventBusRequestTracingTests {

	private static final String CALLER_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

	private static final String CALLER_SPAN_ID = "00f067aa0ba902b7";

	@LocalServerPort
	private int port;

	@Autowired
	private InMemorySpanExporter spans;

	@Autowired
	private Audit audit;

	@BeforeEach
	void forgetEarlierSpans() {
		this.spans.reset();
		this.audit.handled.clear();
	}

	@Test
	void aPublishInARequestIsAChildOfTheServersSpanAndItsDeliveryAChildOfThePublish() {
		String handlerTraceId = RestClient.create()
			.post()
			.uri("http://localhost:{port}/orders/{id}", this.port, "o-1")
			.header("traceparent", "00-" + CALLER_TRACE_ID + "-" + CALLER_SPAN_ID + "-01")
			.retrieve()
			.body(String.class);

		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(this.spans.getFinishedSpanItems()).extracting(SpanData::getName)
				.contains("http post /orders/{id}", "publish orders", "deliver orders"));
		SpanData server = server().orElseThrow();
		SpanData publish = span("publish orders").orElseThrow();
		SpanData delivery = span("deliver orders").orElseThrow();
		// Boot's observation of the request continued the caller's trace, and the handler
		// ran in it
		String traceId = CALLER_TRACE_ID;
		assertThat(handlerTraceId).isEqualTo(traceId);
		assertThat(server.getTraceId()).isEqualTo(traceId);
		assertThat(server.getParentSpanId()).isEqualTo(CALLER_SPAN_ID);
		assertThat(server.getName()).isEqualTo("http post /orders/{id}");
		assertThat(publish.getTraceId()).isEqualTo(traceId);
		assertThat(publish.getParentSpanId()).isEqualTo(server.getSpanId());
		assertThat(publish.getKind()).isEqualTo(SpanKind.PRODUCER);
		assertThat(delivery.getTraceId()).isEqualTo(traceId);
		assertThat(delivery.getParentSpanId()).isEqualTo(publish.getSpanId());
		assertThat(delivery.getKind()).isEqualTo(SpanKind.CONSUMER);
		assertThat(delivery.getAttributes().asMap().toString()).contains("sluice.subscriber=audit");
		// the subscriber ran inside the delivery's span, which Boot's log correlation put
		// in its MDC
		assertThat(this.audit.handled)
			.containsExactly(new Handled("o-1", traceId, delivery.getSpanId(), traceId, delivery.getSpanId()));
	}

	private Optional<SpanData> server() {
		return this.spans.getFinishedSpanItems()
			.stream()
			.filter((span) -> span.getKind() == SpanKind.SERVER)
			.findFirst();
	}

	private Optional<SpanData> span(String name) {
		return this.spans.getFinishedSpanItems().stream().filter((span) -> span.getName().equals(name)).findFirst();
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class Application {

		@Bean
		InMemorySpanExporter inMemorySpanExporter() {
			return InMemorySpanExporter.create();
		}

		@Bean
		Orders orders(EventBus bus, Tracer tracer) {
			return new Orders(bus, tracer);
		}

		@Bean
		Audit audit(Tracer tracer) {
			return new Audit(tracer);
		}

	}

	@RestController
	static class Orders {

		private final EventBus bus;

		private final Tracer tracer;

		Orders(EventBus bus, Tracer tracer) {
			this.bus = bus;
			this.tracer = tracer;
		}

		/** Publishes the order placed; answers the trace the request runs in. */
		@PostMapping("/orders/{id}")
		String place(@PathVariable String id) throws InterruptedException {
			this.bus.publish("orders", new OrderPlaced(id));
			Span current = this.tracer.currentSpan();
			return (current != null) ? current.context().traceId() : "none";
		}

	}

	record OrderPlaced(String id) {
	}

	/** What a subscriber saw of the trace: the tracer's current span and the MDC. */
	record Handled(String order, String traceId, String spanId, String mdcTraceId, String mdcSpanId) {
	}

	static class Audit {

		private final Tracer tracer;

		final List<Handled> handled = new CopyOnWriteArrayList<>();

		Audit(Tracer tracer) {
			this.tracer = tracer;
		}

		@EventSubscriber(topic = "orders", name = "audit")
		void record(OrderPlaced order) {
			Span current = this.tracer.currentSpan();
			this.handled.add(new Handled(order.id(), (current != null) ? current.context().traceId() : "none",
					(current != null) ? current.context().spanId() : "none", String.valueOf(MDC.get("traceId")),
					String.valueOf(MDC.get("spanId"))));
		}

	}

}
