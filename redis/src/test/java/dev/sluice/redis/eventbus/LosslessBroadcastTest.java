package dev.sluice.redis.eventbus;

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
 * Lossless broadcast: a live reader's position holds the trim; a dead one's only for
 * reader-ttl.
 */
class LosslessBroadcastTest {

	private static final int EVENTS = 300;

	private static final long MAX_LENGTH = 20;

	private Instances instances;

	private final CountDownLatch release = new CountDownLatch(1);

	private final List<Integer> seen = Collections.synchronizedList(new ArrayList<>());

	@BeforeEach
	void start() {
		this.instances = new Instances(TestRedis.uri(), TestRedis.uniquePrefix());
	}

	@AfterEach
	void stop() {
		this.release.countDown();
		this.instances.close();
	}

	/**
	 * An instance whose broadcast reader stalls (a subscriber under block that waits for
	 * the release) and holds the trim; the other instance, which publishes, is not
	 * lossless itself and honours it all the same.
	 */
	private Instance[] stalledAndPublisher() {
		Instance stalled = this.instances.start("stalled",
				(builder) -> builder.maxLength(MAX_LENGTH)
					.trimInterval(Duration.ofMillis(50))
					.losslessBroadcast(true)
					.readerTtl(Duration.ofSeconds(1)));
		Instance publisher = this.instances.start("publisher",
				(builder) -> builder.maxLength(MAX_LENGTH).trimInterval(Duration.ofMillis(50)));
		stalled.bus().subscribe("news", Ping.class, (ping) -> {
			try {
				this.release.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			this.seen.add(ping.id());
		}, SubscriberOptions.named("slow")
			.withBuffer(1)
			.withOverflow(BufferOverflow.BLOCK)
			.withPublishTimeout(Duration.ofMinutes(1)));
		assertThat(this.instances.raw().hexists(stalled.transport().streamKey("news") + ":readers", "stalled"))
			.as("registered before the subscribe returned")
			.isTrue();
		BroadcastLossTest.connected(publisher);
		return new Instance[] { stalled, publisher };
	}

	@Test
	void aStalledReaderMissesNothingTheTrimWaitsForIt() throws InterruptedException {
		Instance[] both = stalledAndPublisher();
		Instance stalled = both[0];
		Instance publisher = both[1];
		for (int id = 0; id < EVENTS; id++) {
			publisher.bus().publish("news", new Ping(id));
		}
		String key = publisher.transport().streamKey("news");
		// trim passes run and are held by the stalled reader, for longer than its
		// reader-ttl: its instance renews it
		await().atMost(Duration.ofSeconds(10)).until(() -> publisher.topic("news").trimHeld() >= 5);
		Thread.sleep(1500);
		assertThat(this.instances.raw().xlen(key)).isGreaterThan(EVENTS - 20L);
		this.release.countDown();
		await().atMost(Duration.ofSeconds(30)).until(() -> this.seen.size() == EVENTS);
		assertThat(this.seen).containsExactlyElementsOf(IntStream.range(0, EVENTS).boxed().toList());
		assertThat(stalled.topic("news").missed()).isZero();
		// once it has read them, they go
		await().atMost(Duration.ofSeconds(10)).until(() -> this.instances.raw().xlen(key) == MAX_LENGTH);
	}

	@Test
	void aDeadReaderHoldsTheStreamForReaderTtlOnly() throws InterruptedException {
		Instance[] both = stalledAndPublisher();
		Instance stalled = both[0];
		Instance publisher = both[1];
		for (int id = 0; id < EVENTS; id++) {
			publisher.bus().publish("news", new Ping(id));
		}
		String key = publisher.transport().streamKey("news");
		await().atMost(Duration.ofSeconds(10)).until(() -> publisher.topic("news").trimHeld() >= 1);
		assertThat(this.instances.raw().xlen(key)).isGreaterThan(MAX_LENGTH);
		// the instance dies as a frozen one does: it renews nothing more, nor unregisters
		long died = System.nanoTime();
		stalled.transport().trimmer().close();
		await().atMost(Duration.ofSeconds(10)).until(() -> this.instances.raw().xlen(key) == MAX_LENGTH);
		assertThat(Duration.ofNanos(System.nanoTime() - died)).isLessThan(Duration.ofSeconds(10));
		assertThat(this.instances.raw().hlen(key + ":readers")).isZero();
		assertThat(this.instances.raw().zcard(key + ":readers:alive")).isZero();
	}

	@Test
	void aReaderThatStopsLetsGoAtOnce() throws InterruptedException {
		Instance[] both = stalledAndPublisher();
		Instance stalled = both[0];
		String key = stalled.transport().streamKey("news");
		this.release.countDown();
		// a graceful stop: the reader ends, and unregisters as it does
		stalled.bus().stopIntake();
		await().atMost(Duration.ofSeconds(5)).until(() -> this.instances.raw().hlen(key + ":readers") == 0);
	}

}
