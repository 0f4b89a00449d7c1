package dev.sluice.redis.eventbus;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.sluice.eventbus.Delivery;
import dev.sluice.eventbus.SubscriberOptions;
import dev.sluice.redis.eventbus.Instances.Instance;
import dev.sluice.redis.eventbus.Instances.Ping;
import dev.sluice.redis.testing.TestRedis;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Handlers see each event's id (the publisher's, or the entry's) and attempt. */
class EventIdsTest {

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
	void broadcastHandlersOnEveryInstanceSeeTheEntrysIdOrThePublishersOwn() throws InterruptedException {
		Instance a = this.instances.start("a");
		Instance b = this.instances.start("b");
		List<Delivery> atA = new CopyOnWriteArrayList<>();
		List<Delivery> atB = new CopyOnWriteArrayList<>();
		a.bus().subscribe("news", Ping.class, (ping) -> atA.add(Delivery.current()), SubscriberOptions.named("r"));
		b.bus().subscribe("news", Ping.class, (ping) -> atB.add(Delivery.current()), SubscriberOptions.named("r"));
		BroadcastLossTest.connected(a);
		a.bus().publish("news", new Ping(1));
		a.bus().publish("news", new Ping(2), "order-2");
		// a retried publish with the same id is recognisable as the same event
		a.bus().publish("news", new Ping(2), "order-2");
		await().atMost(Duration.ofSeconds(20)).until(() -> atA.size() == 3 && atB.size() == 3);
		List<StreamMessage<String, String>> entries = this.instances.raw()
			.xrange(a.transport().streamKey("news"), Range.unbounded());
		assertThat(entries.get(1).getBody()).containsEntry("event-id", "order-2");
		assertThat(atA).containsExactly(new Delivery(entries.get(0).getId(), 1), new Delivery("order-2", 1),
				new Delivery("order-2", 1));
		assertThat(atB).containsExactlyElementsOf(atA);
	}

	@Test
	void aGroupHandlerSeesWhichAttemptItIs() throws InterruptedException {
		Instance instance = this.instances.start("node");
		List<Delivery> seen = new CopyOnWriteArrayList<>();
		AtomicBoolean failed = new AtomicBoolean();
		instance.bus().subscribe("jobs", Ping.class, (ping) -> {
			seen.add(Delivery.current());
			if (failed.compareAndSet(false, true)) {
				throw new IllegalStateException("first attempt fails");
			}
		}, SubscriberOptions.named("worker").withGroup("g"));
		BroadcastLossTest.connected(instance);
		instance.bus().publish("jobs", new Ping(1), "job-1");
		await().atMost(Duration.ofSeconds(20)).until(() -> seen.size() == 2);
		assertThat(seen).containsExactly(new Delivery("job-1", 1), new Delivery("job-1", 2));
	}

}
