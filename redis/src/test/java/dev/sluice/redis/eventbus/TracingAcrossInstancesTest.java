package dev.sluice.redis.eventbus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sluice.eventbus.Delivery;
import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.SubscriberOptions;
import dev.sluice.redis.eventbus.Instances.Instance;
import dev.sluice.redis.eventbus.Instances.Ping;
import dev.sluice.redis.testing.TestRedis;
import dev.sluice.redis.testing.TestTracing;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.micrometer.tracing.BaggageInScope;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One trace from a publish on instance A to the handler on instance B: the publish's
 * trace context travels in the stream entry ({@code h:} fields), for broadcast
 * subscribers and group members, redeliveries and dead letters. Each instance has a
 * tracer of its own (Micrometer Tracing over OpenTelemetry, spans in memory), as two
 * applications would.
 */
class TracingAcrossInstancesTest {

	private Instances instances;

	private final TestTracing tracingA = new TestTracing();

	private final TestTracing tracingB = new TestTracing();

	private final List<EventBus> buses = new ArrayList<>();

	@BeforeEach
	void start() {
		this.instances = new Instances(TestRedis.uri(), TestRedis.uniquePrefix());
	}

	@AfterEach
	void stop() {
		this.buses.forEach(EventBus::abandonRemaining);
		this.instances.close();
		this.tracingA.close();
		this.tracingB.close();
	}

	/** A bus on the instance's transport that observes into the tracing's registry. */
	private EventBus observed(Instance instance, TestTracing tracing) {
		EventBus bus = EventBus.builder(instance.name() + "-observed")
			.dispatchers(2)
			.transport(instance.transport())
			.observationRegistry(tracing.registry())
			.build();
		this.buses.add(bus);
		return bus;
	}

	/** Publishes inside a "request" span of A's, as a web request would; returns it. */
	private Span publishInRequest(EventBus bus, String topic, Object event) throws InterruptedException {
		Tracer tracer = this.tracingA.tracer();
		Span request = tracer.nextSpan().name("request").start();
		try (Tracer.SpanInScope scope = tracer.withSpan(request);
				BaggageInScope tenant = tracer.createBaggageInScope("tenant", "acme")) {
			bus.publish(topic, event);
		}
		finally {
			request.end();
		}
		return request;
	}

	/** B's delivery spans continue A's trace, each a child of A's publish span. */
	private void assertContinues(Span request, List<SpanData> deliveries, String topic) {
		SpanData publish = this.tracingA.span("publish " + topic).orElseThrow();
		assertThat(publish.getTraceId()).isEqualTo(request.context().traceId());
		assertThat(publish.getParentSpanId()).isEqualTo(request.context().spanId());
		assertThat(publish.getKind()).isEqualTo(SpanKind.PRODUCER);
		assertThat(deliveries).isNotEmpty().allSatisfy((delivery) -> {
			assertThat(delivery.getTraceId()).isEqualTo(request.context().traceId());
			assertThat(delivery.getParentSpanId()).isEqualTo(publish.getSpanId());
			assertThat(delivery.getKind()).isEqualTo(SpanKind.CONSUMER);
		});
	}

	@Test
	void aBroadcastHandlerOnAnotherInstanceRunsInThePublishersTrace() throws InterruptedException {
		Instance a = this.instances.start("a");
		Instance b = this.instances.start("b");
		EventBus busA = observed(a, this.tracingA);
		EventBus busB = observed(b, this.tracingB);
		List<String> handlerTraces = new CopyOnWriteArrayList<>();
		List<String> baggage = new CopyOnWriteArrayList<>();
		busB.subscribe("news", Ping.class, (ping) -> {
			Span current = this.tracingB.tracer().currentSpan();
			handlerTraces.add((current != null) ? current.context().traceId() : "none");
			baggage.add(String.valueOf(this.tracingB.tracer().getBaggage("tenant").get()));
		}, SubscriberOptions.named("reader"));
		BroadcastLossTest.connected(a);

		Span request = publishInRequest(busA, "news", new Ping(1));

		await().atMost(Duration.ofSeconds(20)).until(() -> this.tracingB.spans("deliver news").size() == 1);
		assertContinues(request, this.tracingB.spans("deliver news"), "news");
		// the handler ran inside the delivery's span, with the publisher's baggage
		assertThat(handlerTraces).containsExactly(request.context().traceId());
		assertThat(baggage).containsExactly("acme");
		List<StreamMessage<String, String>> entries = this.instances.raw()
			.xrange(a.transport().streamKey("news"), Range.unbounded());
		assertThat(entries.get(0).getBody().get("h:traceparent")).contains(request.context().traceId());
	}

	@Test
	void aGroupMemberOnAnotherInstanceRunsInThePublishersTraceOnEveryAttempt() throws InterruptedException {
		Instance a = this.instances.start("a");
		Instance b = this.instances.start("b");
		EventBus busA = observed(a, this.tracingA);
		EventBus busB = observed(b, this.tracingB);
		AtomicInteger calls = new AtomicInteger();
		List<Integer> attempts = new CopyOnWriteArrayList<>();
		busB.subscribe("jobs", Ping.class, (ping) -> {
			attempts.add(Delivery.current().attempt());
			if (calls.incrementAndGet() == 1) {
				throw new IllegalStateException("first attempt fails");
			}
		}, SubscriberOptions.named("worker").withGroup("workers"));
		BroadcastLossTest.connected(a);

		Span request = publishInRequest(busA, "jobs", new Ping(7));

		// claim-idle is 500 ms: the failed entry is claimed and handled again
		await().atMost(Duration.ofSeconds(20)).until(() -> this.tracingB.spans("deliver jobs").size() == 2);
		assertThat(attempts).containsExactly(1, 2);
		List<SpanData> deliveries = this.tracingB.spans("deliver jobs");
		assertContinues(request, deliveries, "jobs");
		assertThat(deliveries).extracting((span) -> span.getStatus().getStatusCode())
			.containsExactly(StatusCode.ERROR, StatusCode.UNSET);
		assertThat(deliveries.get(0).getAttributes().asMap().toString()).contains("outcome=error");
		assertThat(deliveries.get(1).getAttributes().asMap().toString()).contains("outcome=success");
	}

	@Test
	void aDeadLetterKeepsTheTraceHeaders() throws InterruptedException {
		Instance a = this.instances.start("a");
		Instance b = this.instances.start("b", (builder) -> builder.maxDeliveries(2));
		EventBus busA = observed(a, this.tracingA);
		EventBus busB = observed(b, this.tracingB);
		busB.subscribe("jobs", Ping.class, (ping) -> {
			throw new IllegalStateException("always fails");
		}, SubscriberOptions.named("worker").withGroup("workers"));
		BroadcastLossTest.connected(a);

		Span request = publishInRequest(busA, "jobs", new Ping(9));

		await().atMost(Duration.ofSeconds(20))
			.until(() -> this.instances.raw().xlen(b.transport().deadLetterKey("jobs")) == 1);
		Map<String, String> letter = this.instances.raw()
			.xrange(b.transport().deadLetterKey("jobs"), Range.unbounded())
			.get(0)
			.getBody();
		assertThat(letter.get("reason")).startsWith("not handled in 2 deliveries");
		assertThat(letter.get("h:traceparent")).contains(request.context().traceId());
		assertThat(letter.get("h:baggage")).contains("tenant=acme");
		assertContinues(request, this.tracingB.spans("deliver jobs"), "jobs");
	}

	@Test
	void oddHeaderFieldsNeitherBreakReadingNorLoseTheEvent() throws InterruptedException {
		Instance b = this.instances.start("b");
		EventBus busB = observed(b, this.tracingB);
		List<Delivery> received = new CopyOnWriteArrayList<>();
		busB.subscribe("news", Ping.class, (ping) -> received.add(Delivery.current()),
				SubscriberOptions.named("reader"));
		BroadcastLossTest.connected(b);
		String stream = b.transport().streamKey("news");
		// a header without a name, and a traceparent no propagator can read
		this.instances.raw()
			.xadd(stream, Map.of("type", "ping", "data", "{\"id\":1}", "h:", "x", "h:traceparent", "garbage"));
		// a hostile entry with headers is still dead-lettered, with its reason
		this.instances.raw().xadd(stream, Map.of("type", "ping", "data", "{not json", "h:traceparent", "garbage"));

		await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 1);
		assertThat(received.get(0).headers()).containsExactly(Map.entry("traceparent", "garbage"));
		await().atMost(Duration.ofSeconds(20))
			.until(() -> this.instances.raw().xlen(b.transport().deadLetterKey("news")) == 1);
		Map<String, String> letter = this.instances.raw()
			.xrange(b.transport().deadLetterKey("news"), Range.unbounded())
			.get(0)
			.getBody();
		assertThat(letter.get("reason")).startsWith("bad JSON for event type 'ping'");
		assertThat(letter).containsEntry("h:traceparent", "garbage");
		// the delivery started a trace of its own
		await().atMost(Duration.ofSeconds(5)).until(() -> this.tracingB.spans("deliver news").size() == 1);
	}

}
