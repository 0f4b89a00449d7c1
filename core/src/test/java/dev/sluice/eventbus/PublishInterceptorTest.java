package dev.sluice.eventbus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The bus's one publish hook: an interceptor may publish at once or hold a publish and
 * release it later, and a later release is a publish like any other.
 */
class PublishInterceptorTest {

	@Test
	void anInterceptorThatProceedsAtOnceChangesNothing() throws InterruptedException {
		AtomicInteger intercepted = new AtomicInteger();
		try (EventBus bus = EventBus.create("proceeding", 1, EventTransport.inMemory(), (topic, event, publication) -> {
			intercepted.incrementAndGet();
			return publication.proceed();
		})) {
			List<Object> received = new CopyOnWriteArrayList<>();
			bus.subscribe("t", String.class, received::add, SubscriberOptions.named("s"));
			PublishResult result = bus.publish("t", "a");
			assertThat(result).isEqualTo(new PublishResult(1, 1, 0, 0));
			assertThat(result.deferred()).isFalse();
			await().untilAsserted(() -> assertThat(received).containsExactly("a"));
			assertThat(intercepted).hasValue(1);
		}
	}

	@Test
	void aHeldPublishGoesOutWhenReleasedInTheOrderHeld() throws InterruptedException {
		List<PublishInterceptor.Publication> held = new ArrayList<>();
		try (EventBus bus = EventBus.create("holding", 1, EventTransport.inMemory(), (topic, event, publication) -> {
			held.add(publication);
			return PublishResult.DEFERRED;
		})) {
			List<Object> received = new CopyOnWriteArrayList<>();
			bus.subscribe("t", String.class, received::add, SubscriberOptions.named("s"));
			assertThat(bus.publish("t", "a")).isSameAs(PublishResult.DEFERRED);
			assertThat(bus.publish("t", "b").deferred()).isTrue();
			assertThat(bus.published("t")).isZero();
			assertThat(bus.stats().get(0).offered()).isZero();
			for (PublishInterceptor.Publication publication : held) {
				assertThat(publication.proceed()).isEqualTo(new PublishResult(1, 1, 0, 0));
			}
			await().untilAsserted(() -> assertThat(received).containsExactly("a", "b"));
		}
	}

	@Test
	void aPublishToAShutDownBusIsRefusedBeforeTheInterceptorSeesIt() {
		AtomicInteger intercepted = new AtomicInteger();
		EventBus bus = EventBus.create("closed", 1, EventTransport.inMemory(), (topic, event, publication) -> {
			intercepted.incrementAndGet();
			return PublishResult.DEFERRED;
		});
		bus.close();
		assertThatExceptionOfType(EventRejectedException.class).isThrownBy(() -> bus.publish("t", "a"))
			.withMessageContaining("shut down");
		assertThat(intercepted).hasValue(0);
	}

	@Test
	void aPublishReleasedAfterTheBusShutDownIsRefused() throws InterruptedException {
		List<PublishInterceptor.Publication> held = new ArrayList<>();
		EventBus bus = EventBus.create("late", 1, EventTransport.inMemory(), (topic, event, publication) -> {
			held.add(publication);
			return PublishResult.DEFERRED;
		});
		List<Object> received = new CopyOnWriteArrayList<>();
		bus.subscribe("t", String.class, received::add, SubscriberOptions.named("s"));
		bus.publish("t", "a");
		bus.stopIntake();
		assertThat(bus.awaitDrained(Duration.ofSeconds(5))).isTrue();
		assertThatExceptionOfType(EventRejectedException.class).isThrownBy(() -> held.get(0).proceed())
			.withMessageContaining("shut down");
		assertThat(received).isEmpty();
		bus.close();
	}

}
