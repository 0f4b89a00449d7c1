package dev.sluice.redis.eventbus;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.sluice.eventbus.SubscriberOptions;
import dev.sluice.redis.eventbus.Instances.Instance;
import dev.sluice.redis.eventbus.Instances.Ping;
import dev.sluice.redis.testing.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A member whose group Redis no longer has creates it again where it left off. */
class LostGroupTest {

	private static final SubscriberOptions MEMBER = SubscriberOptions.named("worker").withGroup("g");

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
	void aGroupDestroyedWhileTheStreamSurvivesIsCreatedAgainAfterWhatTheMemberHandled() throws InterruptedException {
		// no redelivery here: a long claim-idle, so that only the group's re-creation
		// could repeat events
		Instance node = this.instances.start("node", (builder) -> builder.claimIdle(Duration.ofSeconds(30)));
		List<Integer> handled = new CopyOnWriteArrayList<>();
		node.bus().subscribe("jobs", Ping.class, (ping) -> handled.add(ping.id()), MEMBER);
		for (int id = 1; id <= 5; id++) {
			node.bus().publish("jobs", new Ping(id));
		}
		await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() == 5);
		await().atMost(Duration.ofSeconds(10)).until(() -> nothingPending(node));
		String key = node.transport().streamKey("jobs");
		assertThat(this.instances.raw().xgroupDestroy(key, "g")).isTrue();
		// published while the group is gone, or after the member made it again: handled
		// either way
		for (int id = 6; id <= 8; id++) {
			node.bus().publish("jobs", new Ping(id));
		}
		await().atMost(Duration.ofSeconds(30)).until(() -> handled.containsAll(List.of(6, 7, 8)));
		// the stream still holds 1 to 5, which the member had handled: not again
		assertThat(handled).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
		assertThat(this.instances.raw().xlen(key)).isEqualTo(8);
		await().atMost(Duration.ofSeconds(10)).until(() -> nothingPending(node));
		node.bus().publish("jobs", new Ping(9));
		await().atMost(Duration.ofSeconds(30)).until(() -> handled.contains(9));
		assertThat(handled).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
	}

	@Test
	void aGroupLostWithItsStreamIsCreatedAgainAndMissesNothingPublishedAfter() throws InterruptedException {
		// as after a restart of Redis without persistence: the stream and its group are
		// gone
		Instance node = this.instances.start("node", (builder) -> builder.claimIdle(Duration.ofSeconds(30)));
		List<Integer> handled = new CopyOnWriteArrayList<>();
		node.bus().subscribe("jobs", Ping.class, (ping) -> handled.add(ping.id()), MEMBER);
		for (int id = 1; id <= 3; id++) {
			node.bus().publish("jobs", new Ping(id));
		}
		await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() == 3);
		await().atMost(Duration.ofSeconds(10)).until(() -> nothingPending(node));
		String key = node.transport().streamKey("jobs");
		assertThat(this.instances.raw().del(key)).isEqualTo(1);
		for (int id = 4; id <= 6; id++) {
			node.bus().publish("jobs", new Ping(id));
		}
		await().atMost(Duration.ofSeconds(30)).until(() -> handled.containsAll(List.of(4, 5, 6)));
		assertThat(handled).containsExactly(1, 2, 3, 4, 5, 6);
		await().atMost(Duration.ofSeconds(10)).until(() -> nothingPending(node));
	}

	/**
	 * Whether the group exists and has nothing pending (its figures are null while it is
	 * gone).
	 */
	private static boolean nothingPending(Instance node) {
		return Long.valueOf(0).equals(node.member("jobs", "worker").pending());
	}

}
