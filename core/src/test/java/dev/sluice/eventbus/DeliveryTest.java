package dev.sluice.eventbus;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

class DeliveryTest {

	@Test
	void everyHandlerSeesItsEventsIdTheSameForEverySubscriberAndUniquePerEvent() throws InterruptedException {
		try (EventBus bus = EventBus.create("ids", 2)) {
			List<Delivery> first = new CopyOnWriteArrayList<>();
			List<Delivery> second = new CopyOnWriteArrayList<>();
			bus.subscribe("t", String.class, (event) -> first.add(Delivery.current()), SubscriberOptions.named("a"));
			bus.subscribe("t", String.class, (event) -> second.add(Delivery.current()), SubscriberOptions.named("b"));
			for (int i = 0; i < 100; i++) {
				bus.publish("t", "e" + i);
			}
			bus.publish("t", "mine", "order-42");
			await().atMost(Duration.ofSeconds(10)).until(() -> first.size() == 101 && second.size() == 101);
			assertThat(first).doesNotContainNull().extracting(Delivery::attempt).containsOnly(1);
			assertThat(first).extracting(Delivery::id).doesNotHaveDuplicates();
			assertThat(second).containsExactlyElementsOf(first);
			assertThat(first.get(100)).isEqualTo(new Delivery("order-42", 1));
		}
	}

	@Test
	void thereIsNoCurrentDeliveryOutsideAHandler() throws InterruptedException {
		assertThat(Delivery.current()).isNull();
		try (EventBus bus = EventBus.create("outside", 1)) {
			List<Object> after = new CopyOnWriteArrayList<>();
			bus.subscribe("t", String.class, (event) -> {
			}, SubscriberOptions.named("a"));
			bus.publish("t", "e");
			new Delivery("x", 2).handle((event) -> after.add(Delivery.current()), "e");
			assertThat(after).containsExactly(new Delivery("x", 2));
			assertThat(Delivery.current()).isNull();
		}
	}

	@Test
	void aBlankIdIsRefused() {
		try (EventBus bus = EventBus.create("blank", 1)) {
			assertThatIllegalArgumentException().isThrownBy(() -> bus.publish("t", "e", " "))
				.withMessageContaining("must not be blank");
		}
	}

}
