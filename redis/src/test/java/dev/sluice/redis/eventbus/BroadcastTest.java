package dev.sluice.redis.eventbus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;

import dev.sluice.eventbus.BufferOverflow;
import dev.sluice.eventbus.PublishResult;
import dev.sluice.eventbus.SubscriberOptions;
import dev.sluice.redis.eventbus.Instances.Instance;
import dev.sluice.redis.eventbus.Instances.Ping;
import dev.sluice.redis.testing.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class BroadcastTest {

	private Instances instances;

	@BeforeEach
	void start() {
		this.instances = new Instances(TestRedis.uri(), TestRedis.uniquePrefix());
	}

	@AfterEach
	void stop() {
		this.instances.close();
	}

	@Test
	void everyInstanceSeesEveryEventInPublishOrder() throws InterruptedException {
		List<List<Integer>> seen = new ArrayList<>();
		List<Instance> all = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			Instance instance = this.instances.start("node-" + i);
			List<Integer> ids = Collections.synchronizedList(new ArrayList<>());
			instance.bus()
				.subscribe("news", Ping.class, (ping) -> ids.add(ping.id()),
						SubscriberOptions.named("reader").withOverflow(BufferOverflow.BLOCK));
			seen.add(ids);
			all.add(instance);
		}
		PublishResult result = null;
		for (int id = 0; id < 500; id++) {
			result = all.get(1).bus().publish("news", new Ping(id));
		}
		assertThat(result).isEqualTo(new PublishResult(1, 1, 0, 0));
		List<Integer> expected = IntStream.range(0, 500).boxed().toList();
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			for (List<Integer> ids : seen) {
				assertThat(List.copyOf(ids)).containsExactlyElementsOf(expected);
			}
		});
		assertThat(all.get(1).topic("news").published()).isEqualTo(500);
		assertThat(all.get(0).topic("news").received()).isEqualTo(500);
		assertThat(all.get(0).topic("news").length()).isEqualTo(500);
	}

	@Test
	void broadcastIsLiveEventsBeforeTheFirstSubscriberAreNotReplayed() throws InterruptedException {
		Instance publisher = this.instances.start("publisher");
		Instance late = this.instances.start("late");
		publisher.bus().publish("news", new Ping(-1));
		List<Integer> ids = Collections.synchronizedList(new ArrayList<>());
		late.bus().subscribe("news", Ping.class, (ping) -> ids.add(ping.id()), SubscriberOptions.named("reader"));
		publisher.bus().publish("news", new Ping(1));
		await().atMost(Duration.ofSeconds(30)).until(() -> ids.contains(1));
		assertThat(ids).containsExactly(1);
	}

	@Test
	void topicsLeftOutByThePredicateStayInTheProcess() throws InterruptedException {
		Instance a = this.instances.start("a", (builder) -> builder.topics((topic) -> !topic.startsWith("local.")));
		Instance b = this.instances.start("b", (builder) -> builder.topics((topic) -> !topic.startsWith("local.")));
		List<Integer> atA = Collections.synchronizedList(new ArrayList<>());
		List<Integer> atB = Collections.synchronizedList(new ArrayList<>());
		a.bus().subscribe("local.cache", Ping.class, (ping) -> atA.add(ping.id()), SubscriberOptions.named("x"));
		b.bus().subscribe("local.cache", Ping.class, (ping) -> atB.add(ping.id()), SubscriberOptions.named("x"));
		List<Integer> grouped = Collections.synchronizedList(new ArrayList<>());
		a.bus()
			.subscribe("local.cache", Ping.class, (ping) -> grouped.add(ping.id()),
					SubscriberOptions.named("g").withGroup("workers"));
		PublishResult result = a.bus().publish("local.cache", new Ping(7));
		assertThat(result.subscribers()).isEqualTo(2);
		await().atMost(Duration.ofSeconds(10)).until(() -> atA.size() == 1 && grouped.size() == 1);
		await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(atB::isEmpty);
		assertThat(a.transport().stats()).isEmpty();
	}

}
