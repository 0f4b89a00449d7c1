package dev.sluice.redis.eventbus;

import java.time.Duration;
import java.util.List;

import dev.sluice.redis.eventbus.Instances.Instance;
import dev.sluice.redis.eventbus.Instances.Ping;
import dev.sluice.redis.testing.TestRedis;
import io.lettuce.core.Consumer;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class TrimTest {

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
	void aStreamWithoutGroupsIsTrimmedToMaxLength() throws InterruptedException {
		Instance instance = this.instances.start("node",
				(builder) -> builder.maxLength(5).trimInterval(Duration.ofMillis(100)));
		for (int id = 0; id < 20; id++) {
			instance.bus().publish("news", new Ping(id));
		}
		String key = instance.transport().streamKey("news");
		await().atMost(Duration.ofSeconds(10)).until(() -> this.instances.raw().xlen(key) == 5);
		assertThat(instance.topic("news").trimmed()).isEqualTo(15);
		assertThat(instance.topic("news").trimHeld()).isZero();
	}

	@Test
	@SuppressWarnings("unchecked")
	void unacknowledgedAndUndeliveredEntriesHoldTheTrimUntilTheyAreAcknowledged() throws InterruptedException {
		// explicit passes only: the background trimmer must not run alongside them (its
		// counts would add up)
		Instance instance = this.instances.start("node",
				(builder) -> builder.maxLength(5).trimInterval(Duration.ofHours(1)));
		RedisCommands<String, String> redis = this.instances.raw();
		String key = instance.transport().streamKey("jobs");
		redis.xgroupCreate(XReadArgs.StreamOffset.from(key, "$"), "slow", XGroupCreateArgs.Builder.mkstream(true));
		for (int id = 0; id < 20; id++) {
			instance.bus().publish("jobs", new Ping(id));
		}
		// nothing delivered to the group yet: nothing may go
		assertThat(instance.transport().trimmer().trimNow()).containsEntry("jobs", 15L);
		assertThat(redis.xlen(key)).isEqualTo(20);
		assertThat(instance.topic("jobs").trimHeld()).isEqualTo(1);

		// all delivered, the first 10 acknowledged: the 10 pending ones stay, above
		// max-length
		List<StreamMessage<String, String>> read = redis.xreadgroup(Consumer.from("slow", "c"),
				XReadArgs.Builder.count(20), XReadArgs.StreamOffset.lastConsumed(key));
		assertThat(read).hasSize(20);
		for (int i = 0; i < 10; i++) {
			redis.xack(key, "slow", read.get(i).getId());
		}
		assertThat(instance.transport().trimmer().trimNow()).containsEntry("jobs", 5L);
		assertThat(redis.xlen(key)).isEqualTo(10);
		assertThat(redis.xrange(key, io.lettuce.core.Range.unbounded()).get(0).getId()).isEqualTo(read.get(10).getId());
		assertThat(instance.topic("jobs").trimHeld()).isEqualTo(2);

		// a second group that is behind holds it too, though the first has acknowledged
		// everything
		redis.xgroupCreate(XReadArgs.StreamOffset.from(key, read.get(12).getId()), "behind");
		for (int i = 10; i < 20; i++) {
			redis.xack(key, "slow", read.get(i).getId());
		}
		assertThat(instance.transport().trimmer().trimNow()).containsEntry("jobs", 2L);
		assertThat(redis.xlen(key)).isEqualTo(7);

		redis.xgroupDestroy(key, "behind");
		assertThat(instance.transport().trimmer().trimNow()).containsEntry("jobs", 0L);
		assertThat(redis.xlen(key)).isEqualTo(5);
		assertThat(instance.topic("jobs").trimmed()).isEqualTo(15);
		assertThat(instance.topic("jobs").trimHeld()).isEqualTo(3);
	}

	@Test
	void theTrimmerKeepsWhatAMemberHasNotAcknowledged() throws InterruptedException {
		Instance instance = this.instances.start("node",
				(builder) -> builder.maxLength(3).trimInterval(Duration.ofMillis(50)).claimIdle(Duration.ofMinutes(1)));
		java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
		java.util.concurrent.atomic.AtomicInteger handled = new java.util.concurrent.atomic.AtomicInteger();
		instance.bus().subscribe("jobs", Ping.class, (ping) -> {
			if (ping.id() == 0) {
				try {
					release.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			handled.incrementAndGet();
		}, dev.sluice.eventbus.SubscriberOptions.named("worker").withGroup("g"));
		for (int id = 0; id < 10; id++) {
			instance.bus().publish("jobs", new Ping(id));
		}
		String key = instance.transport().streamKey("jobs");
		await().atMost(Duration.ofSeconds(10)).until(() -> instance.topic("jobs").trimHeld() >= 2);
		assertThat(this.instances.raw().xlen(key)).isEqualTo(10);
		release.countDown();
		await().atMost(Duration.ofSeconds(10)).until(() -> handled.get() == 10 && this.instances.raw().xlen(key) == 3);
		assertThat(this.instances.raw().xrange(key, io.lettuce.core.Range.unbounded()))
			.extracting((entry) -> entry.getBody().get("data"))
			.containsExactly("{\"id\":7}", "{\"id\":8}", "{\"id\":9}");
	}

}
