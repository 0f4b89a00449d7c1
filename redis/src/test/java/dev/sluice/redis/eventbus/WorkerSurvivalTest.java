package dev.sluice.redis.eventbus;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

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

/**
 * A reader or member thread must not die of what is not a Redis failure: an interrupt
 * that the transport did not make, or an {@link Error} while decoding an entry.
 */
class WorkerSurvivalTest {

	private static final SubscriberOptions MEMBER = SubscriberOptions.named("worker").withGroup("g");

	/** The test types and one whose class cannot be initialised. */
	private static final EventTypes TYPES = EventTypes.builder()
		.register("ping", Ping.class)
		.register("cursed", Cursed.class)
		.build();

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
	void aHandlerThatInterruptsItsThreadDoesNotStopItsMember() throws InterruptedException {
		// no redelivery here: every event must be handled once, and acknowledged by that
		// handling
		Instance node = this.instances.start("node", (builder) -> builder.claimIdle(Duration.ofSeconds(30)));
		List<Integer> handled = new CopyOnWriteArrayList<>();
		List<Integer> enteredInterrupted = new CopyOnWriteArrayList<>();
		node.bus().subscribe("jobs", Ping.class, (ping) -> {
			if (Thread.currentThread().isInterrupted()) {
				enteredInterrupted.add(ping.id());
			}
			handled.add(ping.id());
			// as a handler does that catches an InterruptedException and sets the flag
			// again
			Thread.currentThread().interrupt();
		}, MEMBER);
		for (int id = 1; id <= 3; id++) {
			node.bus().publish("jobs", new Ping(id));
		}
		await().atMost(Duration.ofSeconds(30)).until(() -> handled.containsAll(List.of(1, 2, 3)));
		node.bus().publish("jobs", new Ping(4));
		node.bus().publish("jobs", new Ping(5));
		await().atMost(Duration.ofSeconds(30)).until(() -> handled.containsAll(List.of(4, 5)));
		assertThat(handled).containsExactly(1, 2, 3, 4, 5);
		assertThat(enteredInterrupted).as("handlers that found the flag of the one before set").isEmpty();
		// the acknowledgement goes out just before the count goes up: wait for both
		await().atMost(Duration.ofSeconds(10))
			.until(() -> node.member("jobs", "worker").pending() == 0
					&& node.member("jobs", "worker").delivered() == 5);
		RedisGroupStats stats = node.member("jobs", "worker");
		assertThat(stats.delivered()).isEqualTo(5);
		assertThat(stats.failed()).isZero();
		assertThat(stats.reclaimed()).isZero();
	}

	@Test
	void anErrorDecodingAnEntryDoesNotStopAMemberAndTheEntryIsDeadLetteredAfterMaxDeliveries()
			throws InterruptedException {
		// redelivery is the point: the entry is retried after claim-idle until
		// max-deliveries
		Instance node = this.instances.start("node", (builder) -> builder.eventTypes(TYPES).maxDeliveries(2));
		List<Integer> handled = new CopyOnWriteArrayList<>();
		node.bus().subscribe("jobs", Ping.class, (ping) -> handled.add(ping.id()), MEMBER);
		String key = node.transport().streamKey("jobs");
		this.instances.raw().xadd(key, Map.of("type", "cursed", "data", "{\"id\":1}", "origin", "raw", "ts", "1"));
		node.bus().publish("jobs", new Ping(1));
		await().atMost(Duration.ofSeconds(30)).until(() -> handled.contains(1));
		String deadKey = node.transport().deadLetterKey("jobs");
		await().atMost(Duration.ofSeconds(30)).until(() -> this.instances.raw().xlen(deadKey) == 1);
		StreamMessage<String, String> letter = this.instances.raw().xrange(deadKey, Range.unbounded()).get(0);
		assertThat(letter.getBody()).containsEntry("type", "cursed")
			.containsEntry("group", "g")
			.containsEntry("deliveries", "2");
		assertThat(letter.getBody().get("reason")).contains("max-deliveries 2").contains("could not be decoded");
		node.bus().publish("jobs", new Ping(2));
		await().atMost(Duration.ofSeconds(30)).until(() -> handled.contains(2));
		assertThat(handled).containsExactly(1, 2);
		// the handler's work shows a moment before its accounting
		await().atMost(Duration.ofSeconds(10)).until(() -> node.member("jobs", "worker").delivered() == 2);
		RedisGroupStats stats = node.member("jobs", "worker");
		assertThat(stats.failed()).isEqualTo(2);
		assertThat(stats.deadLettered()).isEqualTo(1);
		assertThat(stats.delivered()).isEqualTo(2);
		assertThat(node.topic("jobs").malformed()).isZero();
		await().atMost(Duration.ofSeconds(10)).until(() -> node.member("jobs", "worker").pending() == 0);
	}

	@Test
	void anErrorDecodingAnEntryDoesNotStopABroadcastReader() throws InterruptedException {
		Instance node = this.instances.start("node", (builder) -> builder.eventTypes(TYPES));
		List<Integer> seen = new CopyOnWriteArrayList<>();
		node.bus().subscribe("news", Ping.class, (ping) -> seen.add(ping.id()), SubscriberOptions.named("all"));
		String key = node.transport().streamKey("news");
		this.instances.raw().xadd(key, Map.of("type", "cursed", "data", "{\"id\":1}", "origin", "raw", "ts", "1"));
		node.bus().publish("news", new Ping(1));
		await().atMost(Duration.ofSeconds(30)).until(() -> seen.contains(1));
		node.bus().publish("news", new Ping(2));
		await().atMost(Duration.ofSeconds(30)).until(() -> seen.contains(2));
		assertThat(seen).containsExactly(1, 2);
		List<StreamMessage<String, String>> dead = this.instances.raw()
			.xrange(node.transport().deadLetterKey("news"), Range.unbounded());
		assertThat(dead).hasSize(1);
		assertThat(dead.get(0).getBody()).containsEntry("type", "cursed").doesNotContainKey("group");
		assertThat(dead.get(0).getBody().get("reason")).startsWith("could not be decoded on this instance");
	}

	/**
	 * An event whose class fails to initialise: decoding it throws
	 * {@link ExceptionInInitializerError} the first time, {@link NoClassDefFoundError}
	 * after.
	 */
	public record Cursed(int id) {

		static final int CURSE = curse();

		private static int curse() {
			throw new IllegalStateException("this event class cannot be initialised");
		}
	}

}
