package dev.sluice.autoconfigure.redis;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.EventSubscriber;
import dev.sluice.eventbus.SubscriberOptions;
import dev.sluice.redis.testing.TestRedis;
import io.lettuce.core.RedisURI;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two instances of one Spring MVC application sharing Redis ({@code transport: redis}),
 * each with Spring Boot's own tracing auto-configuration (Micrometer Tracing over
 * OpenTelemetry) and an in-memory exporter of its own: a request to instance A that
 * publishes, and the deliveries of that event on instance B, to a broadcast subscriber
 * and to a group member, are one trace, B's delivery spans children of A's publish span.
 */
class RedisTracingTests {

	/** Starts one instance, on a port of its own, with the shared key prefix. */
	private static ConfigurableApplicationContext start(String instance, String keyPrefix) {
		RedisURI redis = TestRedis.uri();
		return new SpringApplicationBuilder(Application.class).web(WebApplicationType.SERVLET)
			.properties("spring.application.name=tracing-" + instance, "spring.main.banner-mode=off", "server.port=0",
					"spring.data.redis.host=" + redis.getHost(), "spring.data.redis.port=" + redis.getPort(),
					"sluice.event-bus.transport=redis", "sluice.redis.key-prefix=" + keyPrefix,
					"sluice.redis.instance-id=" + instance,
					"sluice.redis.event-types.order=" + TestOrder.class.getName(),
					"sluice.redis.streams.poll-timeout=200ms",
					// a start-up's first Redis command also connects: past 500ms (the
					// default) B's readers would start late, after the event
					"sluice.redis.operation-timeout=5s", "management.tracing.sampling.probability=1.0",
					// the exporter's batches go out every 5s by default
					"management.opentelemetry.tracing.export.schedule-delay=50ms")
			.run();
	}

	@Test
	void aRequestOnOneInstanceAndItsDeliveriesOnAnotherAreOneTrace() {
		String keyPrefix = TestRedis.uniquePrefix();
		try (ConfigurableApplicationContext a = start("a", keyPrefix);
				ConfigurableApplicationContext b = start("b", keyPrefix)) {
			// a group of B's alone, so that B, not A, handles the event
			Audit billing = new Audit(b.getBean(Tracer.class));
			b.getBean(EventBus.class)
				.subscribe("orders", TestOrder.class, billing::record,
						SubscriberOptions.named("billing").withGroup("billing"));
			InMemorySpanExporter spansA = a.getBean(InMemorySpanExporter.class);
			InMemorySpanExporter spansB = b.getBean(InMemorySpanExporter.class);
			int port = ((WebServerApplicationContext) a).getWebServer().getPort();

			String traceId = RestClient.create()
				.post()
				.uri("http://localhost:{port}/orders/{id}", port, "o-1")
				.retrieve()
				.body(String.class);

			await().atMost(Duration.ofSeconds(20))
				.untilAsserted(() -> assertThat(spansB.getFinishedSpanItems()).extracting(SpanData::getName)
					.containsExactlyInAnyOrder("deliver orders", "deliver orders"));
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(spansA.getFinishedSpanItems()).extracting(SpanData::getName)
					.contains("http post /orders/{id}", "publish orders"));
			SpanData server = spansA.getFinishedSpanItems()
				.stream()
				.filter((span) -> span.getKind() == SpanKind.SERVER)
				.findFirst()
				.orElseThrow();
			SpanData publish = span(spansA, "publish orders").orElseThrow();
			assertThat(server.getTraceId()).isEqualTo(traceId);
			assertThat(publish.getTraceId()).isEqualTo(traceId);
			assertThat(publish.getParentSpanId()).isEqualTo(server.getSpanId());
			assertThat(publish.getKind()).isEqualTo(SpanKind.PRODUCER);
			List<SpanData> deliveries = spansB.getFinishedSpanItems();
			assertThat(deliveries).extracting((span) -> span.getAttributes().asMap().toString())
				.anySatisfy((attributes) -> assertThat(attributes).contains("sluice.subscriber=audit"))
				.anySatisfy((attributes) -> assertThat(attributes).contains("sluice.subscriber=billing"));
			assertThat(deliveries).allSatisfy((delivery) -> {
				assertThat(delivery.getTraceId()).isEqualTo(traceId);
				assertThat(delivery.getParentSpanId()).isEqualTo(publish.getSpanId());
				assertThat(delivery.getKind()).isEqualTo(SpanKind.CONSUMER);
			});
			// on B, both subscribers ran in A's trace, which B's log correlation put in
			// their MDC
			Handled expected = new Handled("o-1", traceId, traceId);
			assertThat(b.getBean(Audit.class).handled).containsExactly(expected);
			assertThat(billing.handled).containsExactly(expected);
		}
	}

	private static Optional<SpanData> span(InMemorySpanExporter spans, String name) {
		return spans.getFinishedSpanItems().stream().filter((span) -> span.getName().equals(name)).findFirst();
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

		/** Publishes the order; answers the trace the request runs in. */
		@PostMapping("/orders/{id}")
		String place(@PathVariable String id) throws InterruptedException {
			this.bus.publish("orders", new TestOrder(id, 1));
			Span current = this.tracer.currentSpan();
			return (current != null) ? current.context().traceId() : "none";
		}

	}

	/** What a subscriber saw of the trace: the tracer's current span and the MDC. */
	record Handled(String order, String traceId, String mdcTraceId) {
	}

	/** A subscriber of every instance, and the group member B adds. */
	static class Audit {

		private final Tracer tracer;

		final List<Handled> handled = new CopyOnWriteArrayList<>();

		Audit(Tracer tracer) {
			this.tracer = tracer;
		}

		@EventSubscriber(topic = "orders", name = "audit")
		void record(TestOrder order) {
			Span current = this.tracer.currentSpan();
			this.handled.add(new Handled(order.id(), (current != null) ? current.context().traceId() : "none",
					String.valueOf(MDC.get("traceId"))));
		}

	}

}
