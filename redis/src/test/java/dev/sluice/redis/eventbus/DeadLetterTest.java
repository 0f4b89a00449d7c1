package dev.sluice.redis.eventbus;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sluice.eventbus.EventRejectedException;
import dev.sluice.eventbus.SubscriberOptions;
import dev.sluice.eventbus.SubscriberStats;
import dev.sluice.eventbus.Subscription;
import dev.sluice.redis.eventbus.Instances.Instance;
import dev.sluice.redis.eventbus.Instances.Ping;
import dev.sluice.redis.testing.TestRedis;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class DeadLetterTest {

	private Instances instances;

	@BeforeEach
	void start() {
		this.instances = new Instances(TestRedis.uri(), TestRedis.uniquePrefix());
	}

	@AfterEach
	void stop() {
		this.instances.close();
	}

	/**
	 * Adds the kinds of bad entry straight to the stream: bad JSON, unknown type, missing
	 * fields.
	 */
	private void addBadEntries(String key) {
		RedisCommands<String, String> redis = this.instances.raw();
		redis.xadd(key, Map.of("type", "ping", "data", "{not json", "origin", "raw", "ts", "1"));
		redis.xadd(key, Map.of("type", "order-placed", "data", "{}", "origin", "raw", "ts", "1"));
		redis.xadd(key, Map.of("data", "{\"id\":1}", "origin", "raw"));
		redis.xadd(key, Map.of("type", "ping", "origin", "raw"));
		redis.xadd(key, Map.of("type", "ping", "data", "null"));
	}

	@Test
	void aGroupDeadLettersMalformedEntriesAndGoesOn() throws InterruptedException {
		Instance instance = this.instances.start("node");
		List<Integer> handled = new CopyOnWriteArrayList<>();
		Subscription member = instance.bus()
			.subscribe("jobs", Ping.class, (ping) -> handled.add(ping.id()),
					SubscriberOptions.named("worker").withGroup("g"));
		addBadEntries(instance.transport().streamKey("jobs"));
		instance.bus().publish("jobs", new Ping(1));
		await().atMost(Duration.ofSeconds(30)).until(() -> handled.contains(1));
		List<StreamMessage<String, String>> dead = this.instances.raw()
			.xrange(instance.transport().deadLetterKey("jobs"), Range.unbounded());
		assertThat(dead).hasSize(5);
		assertThat(dead).allSatisfy((letter) -> {
			assertThat(letter.getBody()).containsEntry("group", "g").containsEntry("instance", "node");
			assertThat(letter.getBody()).containsKeys("reason", "id", "deliveries");
		});
		assertThat(dead.get(0).getBody().get("reason")).startsWith("bad JSON for event type 'ping'");
		assertThat(dead.get(0).getBody()).containsEntry("data", "{not json");
		assertThat(dead.get(1).getBody().get("reason")).startsWith("unknown event type 'order-placed'");
		assertThat(dead.get(2).getBody().get("reason")).isEqualTo("entry has no 'type' field");
		assertThat(dead.get(3).getBody().get("reason")).isEqualTo("entry has no 'data' field");
		assertThat(dead.get(4).getBody().get("reason")).isEqualTo("JSON null for event type 'ping'");
		// the handler's work shows a moment before its accounting: wait for the counts
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			RedisTopicStats stats = instance.topic("jobs");
			assertThat(stats.malformed()).isEqualTo(5);
			assertThat(stats.deadLettered()).isEqualTo(5);
			RedisGroupStats group = stats.members().get(0);
			assertThat(group.deadLettered()).isEqualTo(5);
			assertThat(group.delivered()).isEqualTo(1);
			SubscriberStats subscriber = member.stats();
			assertThat(subscriber.discarded()).isEqualTo(5);
			assertThat(subscriber.offered()).isEqualTo(6);
		});
		await().atMost(Duration.ofSeconds(10)).until(() -> instance.member("jobs", "worker").pending() == 0);
	}

	@Test
	void aMalformedEntryIsDeadLetteredOncePerStreamWhateverReadsIt() throws InterruptedException {
		Instance first = this.instances.start("first");
		Instance second = this.instances.start("second");
		List<Integer> atFirst = new CopyOnWriteArrayList<>();
		List<Integer> atSecond = new CopyOnWriteArrayList<>();
		List<Integer> grouped = new CopyOnWriteArrayList<>();
		// on each instance a broadcast reader and a member of one group: four readers of
		// each entry
		for (Instance instance : List.of(first, second)) {
			List<Integer> seen = (instance == first) ? atFirst : atSecond;
			instance.bus().subscribe("news", Ping.class, (ping) -> seen.add(ping.id()), SubscriberOptions.named("r"));
			instance.bus()
				.subscribe("news", Ping.class, (ping) -> grouped.add(ping.id()),
						SubscriberOptions.named("w").withGroup("g"));
		}
		String key = first.transport().streamKey("news");
		addBadEntries(key);
		List<String> badIds = this.instances.raw()
			.xrange(key, Range.unbounded())
			.stream()
			.map(StreamMessage::getId)
			.toList();
		first.bus().publish("news", new Ping(1));
		await().atMost(Duration.ofSeconds(30))
			.until(() -> atFirst.contains(1) && atSecond.contains(1) && grouped.contains(1)
					&& first.topic("news").malformed() + second.topic("news").malformed() == 15);
		List<StreamMessage<String, String>> dead = this.instances.raw()
			.xrange(first.transport().deadLetterKey("news"), Range.unbounded());
		assertThat(dead).extracting((letter) -> letter.getBody().get("id")).containsExactlyInAnyOrderElementsOf(badIds);
		assertThat(dead).allSatisfy((letter) -> assertThat(letter.getBody().get("reason")).isNotBlank());
		assertThat(first.topic("news").deadLettered() + second.topic("news").deadLettered()).isEqualTo(5);
		assertThat(second.topic("news").received()).isEqualTo(1);
		// and no one writes it again later
		await().during(Duration.ofMillis(500))
			.atMost(Duration.ofSeconds(5))
			.until(() -> this.instances.raw().xlen(first.transport().deadLetterKey("news")) == 5);
	}

	@Test
	void aPublishLargerThanMaxEventSizeIsRefusedSayingSoAndWritesNothing() {
		Instance instance = this.instances.start("node", (builder) -> builder.maxEventSize(2048));
		String big = "x".repeat(4000);
		assertThatThrownBy(() -> instance.bus().publish("news", new Instances.Note(big)))
			.isInstanceOf(EventRejectedException.class)
			.hasMessageContaining("more than max-event-size 2048 bytes")
			.hasMessageMatching("(?s).* is 40\\d\\d bytes.*");
		assertThat(this.instances.raw().exists(instance.transport().streamKey("news"))).isZero();
	}

	@Test
	void anEntryLargerThanMaxEventSizeIsDeadLetteredWithoutItsFields() throws InterruptedException {
		Instance instance = this.instances.start("node", (builder) -> builder.maxEventSize(2048));
		List<String> notes = new CopyOnWriteArrayList<>();
		List<String> grouped = new CopyOnWriteArrayList<>();
		instance.bus()
			.subscribe("news", Instances.Note.class, (note) -> notes.add(note.text()), SubscriberOptions.named("r"));
		instance.bus()
			.subscribe("news", Instances.Note.class, (note) -> grouped.add(note.text()),
					SubscriberOptions.named("w").withGroup("g"));
		String key = instance.transport().streamKey("news");
		// written by an instance with a larger limit, or by hand
		String id = this.instances.raw()
			.xadd(key, Map.of("type", "note", "data", "{\"text\":\"" + "x".repeat(5000) + "\"}", "origin", "raw"));
		instance.bus().publish("news", new Instances.Note("small"));
		await().atMost(Duration.ofSeconds(30)).until(() -> notes.contains("small") && grouped.contains("small"));
		assertThat(notes).containsExactly("small");
		List<StreamMessage<String, String>> dead = this.instances.raw()
			.xrange(instance.transport().deadLetterKey("news"), Range.unbounded());
		assertThat(dead).hasSize(1);
		assertThat(dead.get(0).getBody()).containsEntry("id", id).doesNotContainKey("data");
		assertThat(dead.get(0).getBody().get("reason"))
			.matches("entry is 50\\d\\d bytes, more than max-event-size 2048 bytes");
		await().atMost(Duration.ofSeconds(10)).until(() -> instance.member("news", "w").pending() == 0);
	}

	@Test
	void aMemberDeadLettersAnEventOfAnotherTypeRatherThanAcknowledgeItUnhandled() throws InterruptedException {
		// no redelivery here: a long claim-idle
		Instance instance = this.instances.start("node", (builder) -> builder.claimIdle(Duration.ofSeconds(30)));
		List<Integer> handled = new CopyOnWriteArrayList<>();
		Subscription member = instance.bus()
			.subscribe("jobs", Ping.class, (ping) -> handled.add(ping.id()),
					SubscriberOptions.named("worker").withGroup("g"));
		// a member of the same group elsewhere takes notes: this one may read a note all
		// the same
		instance.bus().publish("jobs", new Instances.Note("for the other member"));
		instance.bus().publish("jobs", new Ping(1));
		await().atMost(Duration.ofSeconds(30)).until(() -> handled.contains(1));
		List<StreamMessage<String, String>> dead = this.instances.raw()
			.xrange(instance.transport().deadLetterKey("jobs"), Range.unbounded());
		assertThat(dead).hasSize(1);
		assertThat(dead.get(0).getBody()).containsEntry("type", "note")
			.containsEntry("data", "{\"text\":\"for the other member\"}")
			.containsEntry("group", "g")
			.containsEntry("instance", "node");
		assertThat(dead.get(0).getBody().get("reason")).startsWith("type-mismatch")
			.contains("member 'worker'")
			.contains(Ping.class.getName());
		await().atMost(Duration.ofSeconds(10)).until(() -> instance.member("jobs", "worker").delivered() == 1);
		RedisGroupStats stats = instance.member("jobs", "worker");
		assertThat(stats.deadLettered()).isEqualTo(1);
		assertThat(stats.skipped()).isZero();
		assertThat(stats.delivered()).isEqualTo(1);
		assertThat(instance.topic("jobs").deadLettered()).isEqualTo(1);
		assertThat(instance.topic("jobs").malformed()).isZero();
		SubscriberStats subscriber = member.stats();
		assertThat(subscriber.offered()).isEqualTo(2);
		assertThat(subscriber.discarded()).isEqualTo(1);
		await().atMost(Duration.ofSeconds(10)).until(() -> instance.member("jobs", "worker").pending() == 0);
	}

	@Test
	void noEventIsLostWhenMembersOfOneGroupOnTwoInstancesTakeDifferentTypes() throws InterruptedException {
		// no redelivery here: a long claim-idle
		Instance pings = this.instances.start("pings", (builder) -> builder.claimIdle(Duration.ofSeconds(30)));
		Instance notes = this.instances.start("notes", (builder) -> builder.claimIdle(Duration.ofSeconds(30)));
		List<Integer> handledPings = new CopyOnWriteArrayList<>();
		List<String> handledNotes = new CopyOnWriteArrayList<>();
		pings.bus()
			.subscribe("jobs", Ping.class, (ping) -> handledPings.add(ping.id()),
					SubscriberOptions.named("worker").withGroup("g"));
		notes.bus()
			.subscribe("jobs", Instances.Note.class, (note) -> handledNotes.add(note.text()),
					SubscriberOptions.named("worker").withGroup("g"));
		int each = 40;
		for (int id = 0; id < each; id++) {
			pings.bus().publish("jobs", new Ping(id));
			notes.bus().publish("jobs", new Instances.Note("n" + id));
		}
		String deadKey = pings.transport().deadLetterKey("jobs");
		// each event is handled by the member of its type, or dead-lettered by the other:
		// never lost
		await().atMost(Duration.ofSeconds(30))
			.until(() -> handledPings.size() + handledNotes.size() + this.instances.raw().xlen(deadKey) == 2L * each);
		List<StreamMessage<String, String>> dead = this.instances.raw().xrange(deadKey, Range.unbounded());
		assertThat(dead).allSatisfy((letter) -> assertThat(letter.getBody().get("reason")).startsWith("type-mismatch"));
		assertThat(pings.member("jobs", "worker").skipped() + notes.member("jobs", "worker").skipped()).isZero();
		await().atMost(Duration.ofSeconds(10)).until(() -> pings.member("jobs", "worker").pending() == 0);
	}

	@Test
	void anEventWhoseHandlerAlwaysFailsIsDeadLetteredAfterMaxDeliveries() throws InterruptedException {
		Instance instance = this.instances.start("node", (builder) -> builder.maxDeliveries(3));
		Instance other = this.instances.start("other", (builder) -> builder.maxDeliveries(3));
		AtomicInteger attempts = new AtomicInteger();
		List<Integer> handled = new CopyOnWriteArrayList<>();
		java.util.function.Consumer<Ping> handler = (ping) -> {
			if (ping.id() == 13) {
				attempts.incrementAndGet();
				throw new IllegalStateException("unlucky");
			}
			handled.add(ping.id());
		};
		Subscription member = instance.bus()
			.subscribe("jobs", Ping.class, handler, SubscriberOptions.named("worker").withGroup("g"));
		other.bus().subscribe("jobs", Ping.class, handler, SubscriberOptions.named("worker").withGroup("g"));
		instance.bus().publish("jobs", new Ping(13));
		instance.bus().publish("jobs", new Ping(1));
		instance.bus().publish("jobs", new Ping(2));
		await().atMost(Duration.ofSeconds(10)).until(() -> handled.containsAll(List.of(1, 2)));
		String deadKey = instance.transport().deadLetterKey("jobs");
		await().atMost(Duration.ofSeconds(30)).until(() -> this.instances.raw().xlen(deadKey) == 1);
		StreamMessage<String, String> letter = this.instances.raw().xrange(deadKey, Range.unbounded()).get(0);
		assertThat(letter.getBody()).containsEntry("type", "ping")
			.containsEntry("data", "{\"id\":13}")
			.containsEntry("group", "g")
			.containsEntry("deliveries", "3");
		assertThat(letter.getBody().get("reason")).contains("max-deliveries 3");
		assertThat(attempts.get()).isEqualTo(3);
		instance.bus().publish("jobs", new Ping(3));
		await().atMost(Duration.ofSeconds(10)).until(() -> handled.contains(3));
		long failed = instance.member("jobs", "worker").failed() + other.member("jobs", "worker").failed();
		long deadLettered = instance.member("jobs", "worker").deadLettered()
				+ other.member("jobs", "worker").deadLettered();
		assertThat(failed).isEqualTo(3);
		assertThat(deadLettered).isEqualTo(1);
		assertThat(instance.topic("jobs").malformed()).isZero();
		SubscriberStats stats = member.stats();
		assertThat(stats.offered()).isEqualTo(stats.delivered() + stats.failed() + stats.dropped() + stats.queued());
		await().atMost(Duration.ofSeconds(10)).until(() -> instance.member("jobs", "worker").pending() == 0);
	}

}
