package dev.sluice.redis.eventbus;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sluice.eventbus.EventRejectedException;
import dev.sluice.eventbus.SubscriberOptions;
import dev.sluice.redis.eventbus.Instances.Instance;
import dev.sluice.redis.eventbus.Instances.Ping;
import dev.sluice.redis.testing.OwnedRedis;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class RedisRestartTest {

	@Test
	void everyAcknowledgedPublishIsHandledAfterARestart() throws Exception {
		try (OwnedRedis redis = OwnedRedis.start(); Instances instances = new Instances(redis.uri(), "restart:")) {
			Instance worker = instances.start("worker", (builder) -> builder.publishTimeout(Duration.ofMillis(500)));
			Instance publisher = instances.start("publisher",
					(builder) -> builder.publishTimeout(Duration.ofMillis(500)));
			Set<Integer> handled = ConcurrentHashMap.newKeySet();
			Set<Integer> broadcast = ConcurrentHashMap.newKeySet();
			worker.bus()
				.subscribe("jobs", Ping.class, (ping) -> handled.add(ping.id()),
						SubscriberOptions.named("w").withGroup("g"));
			worker.bus()
				.subscribe("jobs", Ping.class, (ping) -> broadcast.add(ping.id()), SubscriberOptions.named("all"));
			Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
			List<Duration> failures = new CopyOnWriteArrayList<>();
			List<String> messages = new CopyOnWriteArrayList<>();
			AtomicBoolean publishing = new AtomicBoolean(true);
			AtomicInteger next = new AtomicInteger();
			Thread thread = new Thread(() -> {
				while (publishing.get()) {
					int id = next.getAndIncrement();
					long started = System.nanoTime();
					try {
						publisher.bus().publish("jobs", new Ping(id));
						acknowledged.add(id);
					}
					catch (EventRejectedException ex) {
						failures.add(Duration.ofNanos(System.nanoTime() - started));
						messages.add(ex.getMessage());
					}
					catch (InterruptedException ex) {
						return;
					}
					try {
						Thread.sleep(2);
					}
					catch (InterruptedException ex) {
						return;
					}
				}
			}, "publisher");
			thread.start();
			try {
				await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= 200);
				redis.kill();
				await().atMost(Duration.ofSeconds(30)).until(() -> failures.size() >= 3);
				int acknowledgedBefore = acknowledged.size();
				redis.restart();
				await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= acknowledgedBefore + 200);
			}
			finally {
				publishing.set(false);
				thread.join(10_000);
			}
			await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(handled).containsAll(acknowledged));
			assertThat(failures).allSatisfy((took) -> assertThat(took).isLessThan(Duration.ofMillis(2500)));
			assertThat(messages).allSatisfy((message) -> assertThat(message)
				.startsWith("Event of type 'ping' was not published to topic 'jobs'"));
			// broadcast goes on after the restart from where its reader left off
			int last = acknowledged.stream().mapToInt(Integer::intValue).max().orElseThrow();
			await().atMost(Duration.ofSeconds(30)).until(() -> broadcast.contains(last));
			System.out.printf("Restart: %d publishes acknowledged, %d failed during the outage, %d handled%n",
					acknowledged.size(), failures.size(), handled.size());
		}
	}

}
