package dev.sluice.eventbus;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A bus without an {@code ObservationRegistry} needs no Micrometer Observation: run by a
 * surefire execution of its own that leaves the jar out (tag
 * {@code without-observation}).
 */
@Tag("without-observation")
class WithoutObservationLibraryTest {

	@Test
	void theLibraryIsAbsentAndABusBuildsPublishesAndDelivers() throws InterruptedException {
		assertThatThrownBy(() -> Class.forName("io.micrometer.observation.ObservationRegistry"))
			.isInstanceOf(ClassNotFoundException.class);
		List<Delivery> deliveries = new CopyOnWriteArrayList<>();
		try (EventBus created = EventBus.create("no-observation", 1);
				EventBus built = EventBus.builder("built").dispatchers(1).build()) {
			for (EventBus bus : List.of(created, built)) {
				assertThat(bus.observes()).isFalse();
				bus.subscribe("t", String.class, (event) -> deliveries.add(Delivery.current()),
						SubscriberOptions.named("s"));
				bus.publish("t", "e");
				bus.publish("t", "with-id", "id-1");
			}
			await().until(() -> deliveries.size() == 4);
		}
		assertThat(deliveries).allSatisfy((delivery) -> assertThat(delivery.headers()).isEmpty());
		assertThat(deliveries).extracting(Delivery::id).contains("id-1");
	}

}
