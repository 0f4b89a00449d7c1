package dev.sluice.eventbus;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.transport.SenderContext;
import org.assertj.core.api.ThrowingConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A bus given an {@link ObservationRegistry} observes each publish and, as its child,
 * each delivery; one without a registry observes nothing and carries no headers.
 */
class EventBusObservationTest {

	private final TestObservationRegistry registry = TestObservationRegistry.create();

	private final List<EventBus> buses = new CopyOnWriteArrayList<>();

	@AfterEach
	void close() {
		this.buses.forEach(EventBus::close);
	}

	private EventBus bus(EventBus.Builder builder) {
		EventBus bus = builder.build();
		this.buses.add(bus);
		return bus;
	}

	@Test
	void aPublishAndEachDeliveryAreObservedWithTheirTags() {
		EventBus bus = bus(EventBus.builder("orders-bus").dispatchers(2).observationRegistry(this.registry));
		CountDownLatch delivered = new CountDownLatch(2);
		bus.subscribe("orders", String.class, (event) -> delivered.countDown(), SubscriberOptions.named("audit"));
		bus.subscribe("orders", String.class, (event) -> delivered.countDown(), SubscriberOptions.named("mailer"));

		assertThat(bus.observes()).isTrue();
		publish(bus, "orders", "placed");
		awaitLatch(delivered);

		await().untilAsserted(
				() -> assertThat(this.registry).hasNumberOfObservationsWithNameEqualTo("sluice.event.delivery", 2));
		assertThat(this.registry).hasNumberOfObservationsWithNameEqualTo("sluice.event.publish", 1)
			.hasObservationWithNameEqualTo("sluice.event.publish")
			.that()
			.hasContextualNameEqualTo("publish orders")
			.hasLowCardinalityKeyValue("sluice.event-bus", "orders-bus")
			.hasLowCardinalityKeyValue("sluice.topic", "orders")
			.hasLowCardinalityKeyValue("outcome", "success")
			.doesNotHaveError()
			.hasBeenStarted()
			.hasBeenStopped();
		ThrowingConsumer<Observation.ContextView> isThePublish = (parent) -> {
			assertThat(parent.getName()).isEqualTo("sluice.event.publish");
			assertThat(parent.getLowCardinalityKeyValue("sluice.topic").getValue()).isEqualTo("orders");
		};
		for (String subscriber : List.of("audit", "mailer")) {
			assertThat(this.registry)
				.hasAnObservation((observation) -> observation.hasNameEqualTo("sluice.event.delivery")
					.hasContextualNameEqualTo("deliver orders")
					.hasLowCardinalityKeyValue("sluice.event-bus", "orders-bus")
					.hasLowCardinalityKeyValue("sluice.topic", "orders")
					.hasLowCardinalityKeyValue("sluice.subscriber", subscriber)
					.hasLowCardinalityKeyValue("outcome", "success")
					.hasParentObservationContextSatisfying(isThePublish));
		}
	}

	@Test
	void aDeliveryIsAChildOfItsPublishWhateverTheDispatcherHasCurrent() {
		// propagation off: the dispatcher thread has no current observation of the
		// publisher's, and the parent is still the publish
		EventBus bus = bus(
				EventBus.builder("quiet").dispatchers(1).propagateContext(false).observationRegistry(this.registry));
		CountDownLatch delivered = new CountDownLatch(1);
		bus.subscribe("t", String.class, (event) -> delivered.countDown(), SubscriberOptions.named("s"));
		Observation request = Observation.start("request", this.registry);
		try (Observation.Scope scope = request.openScope()) {
			publish(bus, "t", "e");
		}
		request.stop();
		awaitLatch(delivered);
		await().untilAsserted(() -> assertThat(this.registry).hasObservationWithNameEqualTo("sluice.event.delivery")
			.that()
			.hasBeenStopped()
			.hasParentObservationContextSatisfying(
					(parent) -> assertThat(parent.getName()).isEqualTo("sluice.event.publish")));
		assertThat(this.registry).hasObservationWithNameEqualTo("sluice.event.publish")
			.that()
			.hasParentObservationEqualTo(request);
	}

	@Test
	void aHandlerThatThrowsEndsItsDeliveryInError() {
		EventBus bus = bus(EventBus.builder("b").dispatchers(1).observationRegistry(this.registry));
		IllegalStateException failure = new IllegalStateException("handler failed");
		CountDownLatch called = new CountDownLatch(1);
		bus.subscribe("t", String.class, (event) -> {
			called.countDown();
			throw failure;
		}, SubscriberOptions.named("failing"));
		publish(bus, "t", "e");
		awaitLatch(called);
		await().untilAsserted(() -> assertThat(this.registry).hasObservationWithNameEqualTo("sluice.event.delivery")
			.that()
			.hasBeenStopped()
			.hasError(failure)
			.hasLowCardinalityKeyValue("outcome", "error"));
		// the subscriber's counters see it as before
		await().untilAsserted(() -> assertThat(bus.stats().get(0).failed()).isEqualTo(1));
	}

	@Test
	void aRefusedPublishEndsRefused() throws InterruptedException {
		EventBus bus = bus(EventBus.builder("b").dispatchers(1).observationRegistry(this.registry));
		CountDownLatch holding = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		bus.subscribe("t", String.class, (event) -> {
			holding.countDown();
			awaitLatch(release);
		}, SubscriberOptions.named("full").withBuffer(1).withOverflow(BufferOverflow.FAIL));
		try {
			publish(bus, "t", "held");
			awaitLatch(holding);
			publish(bus, "t", "waits");
			assertThatThrownBy(() -> bus.publish("t", "refused")).isInstanceOf(EventRejectedException.class);
		}
		finally {
			release.countDown();
		}
		assertThat(this.registry).hasAnObservation((observation) -> observation.hasNameEqualTo("sluice.event.publish")
			.hasLowCardinalityKeyValue("outcome", "refused")
			.hasError());
	}

	@Test
	void theTraceContextWrittenAtPublishTravelsInTheHeadersToEveryDelivery() {
		// what a propagating tracing handler does: write into the sender's carrier
		this.registry.observationConfig()
			.observationHandler(new ObservationHandler<SenderContext<Map<String, String>>>() {

				@Override
				public void onStart(SenderContext<Map<String, String>> context) {
					context.getSetter().set(context.getCarrier(), "traceparent", "00-trace-span-01");
				}

				@Override
				public boolean supportsContext(Observation.Context context) {
					return context instanceof EventPublishContext;
				}
			});
		EventBus bus = bus(EventBus.builder("b").dispatchers(1).observationRegistry(this.registry));
		List<Delivery> deliveries = new CopyOnWriteArrayList<>();
		bus.subscribe("t", String.class, (event) -> deliveries.add(Delivery.current()), SubscriberOptions.named("s"));
		publish(bus, "t", "e");
		await().until(() -> deliveries.size() == 1);
		assertThat(deliveries.get(0).headers()).containsExactly(Map.entry("traceparent", "00-trace-span-01"));
		await().untilAsserted(() -> assertThat(this.registry).hasObservationWithNameEqualTo("sluice.event.delivery")
			.that()
			.hasBeenStopped()
			.satisfies((context) -> assertThat(((EventDeliveryContext) context).getCarrier())
				.containsEntry("traceparent", "00-trace-span-01")));
	}

	@Test
	void aPublisherIdIsKeptWhenObserved() throws InterruptedException {
		EventBus bus = bus(EventBus.builder("b").dispatchers(1).observationRegistry(this.registry));
		List<Delivery> deliveries = new CopyOnWriteArrayList<>();
		bus.subscribe("t", String.class, (event) -> deliveries.add(Delivery.current()), SubscriberOptions.named("s"));
		bus.publish("t", "e", "order-42");
		await().until(() -> deliveries.size() == 1);
		assertThat(deliveries.get(0).id()).isEqualTo("order-42");
		assertThat(this.registry).hasObservationWithNameEqualTo("sluice.event.publish")
			.that()
			.satisfies((context) -> assertThat(((EventPublishContext) context).getEventId()).isEqualTo("order-42"));
	}

	@Test
	void customConventionsNameAndTagTheObservations() {
		EventBus bus = bus(EventBus.builder("b")
			.dispatchers(1)
			.observationRegistry(this.registry)
			.publishObservationConvention(new DefaultEventPublishObservationConvention() {
				@Override
				public KeyValues getLowCardinalityKeyValues(EventPublishContext context) {
					return super.getLowCardinalityKeyValues(context).and("tenant", "acme");
				}
			})
			.deliveryObservationConvention(new DefaultEventDeliveryObservationConvention() {
				@Override
				public String getName() {
					return "acme.event.handled";
				}
			}));
		CountDownLatch delivered = new CountDownLatch(1);
		bus.subscribe("t", String.class, (event) -> delivered.countDown(), SubscriberOptions.named("s"));
		publish(bus, "t", "e");
		awaitLatch(delivered);
		await().untilAsserted(() -> assertThat(this.registry).hasObservationWithNameEqualTo("acme.event.handled")
			.that()
			.hasBeenStopped());
		assertThat(this.registry).hasObservationWithNameEqualTo("sluice.event.publish")
			.that()
			.hasLowCardinalityKeyValue("tenant", "acme");
	}

	@Test
	void aGroupMemberServedByTheBusIsObserved() {
		EventBus bus = bus(EventBus.builder("b").dispatchers(1).observationRegistry(this.registry));
		CountDownLatch delivered = new CountDownLatch(1);
		bus.subscribe("t", String.class, (event) -> delivered.countDown(),
				SubscriberOptions.named("worker").withGroup("workers"));
		publish(bus, "t", "e");
		awaitLatch(delivered);
		await().untilAsserted(() -> assertThat(this.registry).hasObservationWithNameEqualTo("sluice.event.delivery")
			.that()
			.hasBeenStopped()
			.hasLowCardinalityKeyValue("sluice.subscriber", "worker"));
		assertThat(this.registry).hasNumberOfObservationsWithNameEqualTo("sluice.event.delivery", 1);
	}

	@Test
	void withoutARegistryOrWithTheNoopOneNothingIsObservedAndNoHeadersTravel() {
		for (EventBus bus : List.of(bus(EventBus.builder("plain").dispatchers(1)),
				bus(EventBus.builder("noop").dispatchers(1).observationRegistry(ObservationRegistry.NOOP)),
				bus(EventBus.builder("null").dispatchers(1).observationRegistry(null)))) {
			assertThat(bus.observes()).isFalse();
			List<Delivery> deliveries = new CopyOnWriteArrayList<>();
			bus.subscribe("t", String.class, (event) -> deliveries.add(Delivery.current()),
					SubscriberOptions.named("s"));
			// a current observation of the publisher's makes no child either
			Observation request = Observation.start("request", this.registry);
			try (Observation.Scope scope = request.openScope()) {
				publish(bus, "t", "e");
			}
			request.stop();
			await().until(() -> deliveries.size() == 1);
			assertThat(deliveries.get(0).headers()).isEmpty();
		}
		assertThat(this.registry).hasNumberOfObservationsWithNameEqualTo("request", 3)
			.hasNumberOfObservationsWithNameEqualTo("sluice.event.publish", 0)
			.hasNumberOfObservationsWithNameEqualTo("sluice.event.delivery", 0);
	}

	private static void publish(EventBus bus, String topic, Object event) {
		try {
			bus.publish(topic, event);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static void awaitLatch(CountDownLatch latch) {
		try {
			assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
