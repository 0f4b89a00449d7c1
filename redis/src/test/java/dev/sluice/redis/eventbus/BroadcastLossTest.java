package dev.sluice.redis.eventbus;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;

import dev.sluice.eventbus.BufferOverflow;
import dev.sluice.eventbus.SubscriberOptions;
import dev.sluice.redis.eventbus.Instances.Instance;
import dev.sluice.redis.eventbus.Instances.Ping;
import dev.sluice.redis.testing.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A broadcast reader that falls behind past the trim: what it missed is counted, exactly.
 */
class BroadcastLossTest {

	private static final int EVENTS = 300;

	private static final long MAX_LENGTH = 20;

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
	 * Waits for the instance's connection: on a loaded machine the first takes a while.
	 */
	static void connected(Instance instance) {
		await().atMost(Duration.ofSeconds(30)).until(() -> instance.transport().ping(Duration.ofSeconds(1)));
	}

	@Test
	void aReaderStalledPastTheTrimCountsExactlyWhatItMissed() throws InterruptedException {
		RecordingLogger logger = new RecordingLogger();
		Instance stalled = this.instances.start("stalled",
				(builder) -> builder.maxLength(MAX_LENGTH).trimInterval(Duration.ofMillis(50)), null,
				new RateLimitedLog(logger));
		Instance publisher = this.instances.start("publisher",
				(builder) -> builder.maxLength(MAX_LENGTH).trimInterval(Duration.ofMillis(50)));
		CountDownLatch release = new CountDownLatch(1);
		List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
		// one slot and block: the reader waits on the stuck handler, as a stalled
		// instance
		stalled.bus().subscribe("news", Ping.class, (ping) -> {
			try {
				release.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			seen.add(ping.id());
		}, SubscriberOptions.named("slow")
			.withBuffer(1)
			.withOverflow(BufferOverflow.BLOCK)
			.withPublishTimeout(Duration.ofMinutes(1)));
		connected(publisher);
		for (int id = 0; id < EVENTS; id++) {
			publisher.bus().publish("news", new Ping(id));
		}
		String key = publisher.transport().streamKey("news");
		await().atMost(Duration.ofSeconds(10)).until(() -> this.instances.raw().xlen(key) == MAX_LENGTH);
		assertThat(stalled.topic("news").missed()).isZero();
		release.countDown();
		await().atMost(Duration.ofSeconds(20)).until(() -> seen.contains(EVENTS - 1));
		List<Integer> missing = IntStream.range(0, EVENTS).filter((id) -> !seen.contains(id)).boxed().toList();
		assertThat(missing).isNotEmpty();
		// what it saw is in order, with one gap: the entries trimmed while it stalled
		assertThat(seen).isSorted().doesNotHaveDuplicates();
		assertThat(missing.get(missing.size() - 1) - missing.get(0) + 1).isEqualTo(missing.size());
		RedisTopicStats stats = stalled.topic("news");
		assertThat(stats.missed()).isEqualTo(missing.size());
		assertThat(stats.received()).isEqualTo(seen.size());
		assertThat(stats.received() + stats.missed()).isEqualTo(EVENTS);
		assertThat(publisher.topic("news").missed()).isZero();
		assertThat(logger.entries).filteredOn((entry) -> entry.level() == Level.WARNING)
			.anySatisfy((entry) -> assertThat(entry.message()).contains("topic 'news'")
				.contains("missed " + missing.size() + " events"));
	}

	@Test
	void aReaderThatKeepsUpMissesNothing() throws InterruptedException {
		Instance reader = this.instances.start("reader",
				(builder) -> builder.maxLength(MAX_LENGTH).trimInterval(Duration.ofMillis(20)));
		Instance publisher = this.instances.start("publisher",
				(builder) -> builder.maxLength(MAX_LENGTH).trimInterval(Duration.ofMillis(20)));
		List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
		reader.bus()
			.subscribe("news", Ping.class, (ping) -> seen.add(ping.id()),
					SubscriberOptions.named("quick").withOverflow(BufferOverflow.BLOCK));
		connected(publisher);
		for (int id = 0; id < EVENTS; id++) {
			publisher.bus().publish("news", new Ping(id));
			if (id % 10 == 9) {
				// the trim keeps 20: a reader that keeps within them loses nothing
				int expected = id + 1;
				await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == expected);
			}
		}
		assertThat(reader.topic("news").missed()).isZero();
		assertThat(reader.topic("news").received()).isEqualTo(EVENTS);
	}

}
