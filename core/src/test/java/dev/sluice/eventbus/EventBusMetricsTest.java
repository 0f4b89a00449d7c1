package dev.sluice.eventbus;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class EventBusMetricsTest {

	@Test
	void aSubscriberNameReusedAfterAnUnsubscribeIsMeteredAfresh() throws Exception {
		EventBus bus = EventBus.create("metered", 1);
		try {
			SimpleMeterRegistry registry = new SimpleMeterRegistry();
			new EventBusMetrics(bus).bindTo(registry);
			Subscription first = bus.subscribe("t", String.class, (event) -> {
			}, SubscriberOptions.named("a"));
			bus.publish("t", "one");
			await().until(() -> first.stats().delivered() == 1);
			first.close();
			assertThat(registry.find("sluice.eventbus.delivered").tag("subscriber", "a").functionCounter()).isNull();
			Subscription second = bus.subscribe("t", String.class, (event) -> {
			}, SubscriberOptions.named("a"));
			bus.publish("t", "two");
			bus.publish("t", "three");
			await().until(() -> second.stats().delivered() == 2);
			assertThat(registry.get("sluice.eventbus.delivered")
				.tags("topic", "t", "subscriber", "a")
				.functionCounter()
				.count()).isEqualTo(2);
			assertThat(registry.get("sluice.eventbus.published").tag("topic", "t").functionCounter().count())
				.isEqualTo(3);
		}
		finally {
			bus.close();
		}
	}

}
