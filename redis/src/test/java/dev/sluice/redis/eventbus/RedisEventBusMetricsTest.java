package dev.sluice.redis.eventbus;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.sluice.eventbus.SubscriberOptions;
import dev.sluice.redis.eventbus.Instances.Instance;
import dev.sluice.redis.eventbus.Instances.Ping;
import dev.sluice.redis.testing.TestRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class RedisEventBusMetricsTest {

	@Test
	void bindsTopicsAndGroupsNowAndLater() throws InterruptedException {
		try (Instances instances = new Instances(TestRedis.uri(), TestRedis.uniquePrefix())) {
			Instance instance = instances.start("node");
			SimpleMeterRegistry registry = new SimpleMeterRegistry();
			instance.bus().publish("early", new Ping(0));
			new RedisEventBusMetrics(instance.transport()).bindTo(registry);
			List<Integer> handled = new CopyOnWriteArrayList<>();
			List<Integer> seen = new CopyOnWriteArrayList<>();
			instance.bus()
				.subscribe("jobs", Ping.class, (ping) -> handled.add(ping.id()),
						SubscriberOptions.named("w").withGroup("g"));
			instance.bus().subscribe("jobs", Ping.class, (ping) -> seen.add(ping.id()), SubscriberOptions.named("all"));
			for (int id = 0; id < 10; id++) {
				instance.bus().publish("jobs", new Ping(id));
			}
			// the handlers' work shows a moment before its accounting: wait for both
			await().atMost(Duration.ofSeconds(30))
				.until(() -> handled.size() == 10 && seen.size() == 10
						&& instance.member("jobs", "w").delivered() == 10);
			assertThat(registry.get("sluice.eventbus.redis.published").tag("topic", "early").functionCounter().count())
				.isEqualTo(1);
			assertThat(registry.get("sluice.eventbus.redis.published").tag("topic", "jobs").functionCounter().count())
				.isEqualTo(10);
			assertThat(registry.get("sluice.eventbus.redis.received").tag("topic", "jobs").functionCounter().count())
				.isEqualTo(10);
			assertThat(registry.get("sluice.eventbus.redis.malformed").tag("topic", "jobs").functionCounter().count())
				.isZero();
			assertThat(registry.get("sluice.eventbus.redis.delivered")
				.tags("topic", "jobs", "group", "g")
				.functionCounter()
				.count()).isEqualTo(10);
			assertThat(registry.get("sluice.eventbus.redis.failed")
				.tags("topic", "jobs", "group", "g")
				.functionCounter()
				.count()).isZero();
			assertThat(registry.get("sluice.eventbus.redis.reclaimed")
				.tags("topic", "jobs", "group", "g")
				.functionCounter()
				.count()).isZero();
			assertThat(registry.get("sluice.eventbus.redis.dead.lettered")
				.tags("topic", "jobs", "group", "g")
				.functionCounter()
				.count()).isZero();
			assertThat(registry.get("sluice.eventbus.redis.stream.length").tag("topic", "jobs").gauge().value())
				.isEqualTo(10);
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				assertThat(registry.get("sluice.eventbus.redis.pending")
					.tags("topic", "jobs", "group", "g")
					.gauge()
					.value()).isZero();
				assertThat(
						registry.get("sluice.eventbus.redis.lag").tags("topic", "jobs", "group", "g").gauge().value())
					.isZero();
			});
			assertThat(instance.transport().ping(Duration.ofSeconds(1))).isTrue();
		}
	}

}
