package dev.sluice.autoconfigure.eventbus;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.sluice.autoconfigure.lifecycle.LifecycleAutoConfiguration;
import dev.sluice.eventbus.DefaultEventDeliveryObservationConvention;
import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.EventDeliveryObservationConvention;
import dev.sluice.eventbus.SubscriberOptions;
import dev.sluice.redis.testing.TestTracing;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The bus observes into the application's {@link ObservationRegistry} when there is one,
 * unless {@code sluice.event-bus.observations.enabled} is false; with Micrometer Tracing
 * a publish made in a request's span and its deliveries are spans of that trace.
 */
class EventBusObservationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LifecycleAutoConfiguration.class, EventBusAutoConfiguration.class));

	@Test
	void theBusObservesIntoTheApplicationsRegistry() {
		this.contextRunner.withBean(ObservationRegistry.class, TestObservationRegistry::create).run((context) -> {
			EventBus bus = context.getBean(EventBus.class);
			assertThat(bus.observes()).isTrue();
			List<String> received = new CopyOnWriteArrayList<>();
			bus.subscribe("orders", String.class, received::add, SubscriberOptions.named("audit"));
			bus.publish("orders", "placed");
			await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
			TestObservationRegistry registry = (TestObservationRegistry) context.getBean(ObservationRegistry.class);
			await().untilAsserted(() -> assertThat(registry).hasObservationWithNameEqualTo("sluice.event.delivery")
				.that()
				.hasBeenStopped()
				.hasLowCardinalityKeyValue("sluice.event-bus", "eventbus")
				.hasLowCardinalityKeyValue("sluice.subscriber", "audit"));
			assertThat(registry).hasObservationWithNameEqualTo("sluice.event.publish")
				.that()
				.hasLowCardinalityKeyValue("sluice.topic", "orders");
		});
	}

	@Test
	void observationsCanBeSwitchedOff() {
		this.contextRunner.withBean(ObservationRegistry.class, TestObservationRegistry::create)
			.withPropertyValues("sluice.event-bus.observations.enabled=false")
			.run((context) -> assertThat(context.getBean(EventBus.class).observes()).isFalse());
	}

	@Test
	void withoutARegistryNothingIsObserved() {
		this.contextRunner.run((context) -> assertThat(context.getBean(EventBus.class).observes()).isFalse());
	}

	@Test
	void aConventionBeanNamesTheObservations() {
		this.contextRunner.withBean(ObservationRegistry.class, TestObservationRegistry::create)
			.withBean(EventDeliveryObservationConvention.class, () -> new DefaultEventDeliveryObservationConvention() {
				@Override
				public String getName() {
					return "acme.event.handled";
				}
			})
			.run((context) -> {
				EventBus bus = context.getBean(EventBus.class);
				bus.subscribe("orders", String.class, (event) -> {
				}, SubscriberOptions.named("audit"));
				bus.publish("orders", "placed");
				TestObservationRegistry registry = (TestObservationRegistry) context.getBean(ObservationRegistry.class);
				await().atMost(Duration.ofSeconds(10))
					.untilAsserted(() -> assertThat(registry).hasObservationWithNameEqualTo("acme.event.handled")
						.that()
						.hasBeenStopped());
			});
	}

	@Test
	void aPublishInARequestsSpanAndItsDeliveryAreSpansOfTheRequestsTrace() {
		// the tracer and its handlers are made by hand (Micrometer Tracing over an
		// OpenTelemetry SDK, spans in memory), as Boot's tracing auto-configuration makes
		// them
		try (TestTracing tracing = new TestTracing()) {
			this.contextRunner.withBean(ObservationRegistry.class, tracing::registry).run((context) -> {
				EventBus bus = context.getBean(EventBus.class);
				List<String> handlerSpans = new CopyOnWriteArrayList<>();
				bus.subscribe("orders", String.class, (event) -> {
					Span current = tracing.tracer().currentSpan();
					handlerSpans.add((current != null) ? current.context().spanId() : "none");
				}, SubscriberOptions.named("audit"));
				Tracer tracer = tracing.tracer();
				Span request = tracer.nextSpan().name("http post /orders").start();
				try (Tracer.SpanInScope scope = tracer.withSpan(request)) {
					bus.publish("orders", "placed");
				}
				finally {
					request.end();
				}
				await().atMost(Duration.ofSeconds(10)).until(() -> tracing.span("deliver orders").isPresent());
				SpanData publish = tracing.span("publish orders").orElseThrow();
				SpanData delivery = tracing.span("deliver orders").orElseThrow();
				assertThat(publish.getTraceId()).isEqualTo(request.context().traceId());
				assertThat(publish.getParentSpanId()).isEqualTo(request.context().spanId());
				assertThat(delivery.getTraceId()).isEqualTo(request.context().traceId());
				assertThat(delivery.getParentSpanId()).isEqualTo(publish.getSpanId());
				// the handler ran inside its delivery's span
				assertThat(handlerSpans).containsExactly(delivery.getSpanId());
			});
		}
	}

}
