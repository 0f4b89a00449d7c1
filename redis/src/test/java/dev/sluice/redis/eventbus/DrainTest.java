package dev.sluice.redis.eventbus;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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
 * A drain must not report done while a group member still has work: a stop that comes as
 * the member is about to read, or while it looks up the delivery counts of entries it
 * claimed, either stops the read or is waited for. The test holds the member's thread at
 * those points (at the command it is about to send), so the race is not left to chance.
 */
class DrainTest {

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
	void aStopAsAMemberIsAboutToReadIsNotReportedDrainedBeforeWhatItReadIsHandled() throws InterruptedException {
		// no redelivery here: a long claim-idle, so that a stall cannot hand an event
		// over twice
		HeldConnections held = new HeldConnections();
		Instance node = this.instances.start("node", (builder) -> builder.claimIdle(Duration.ofSeconds(30)), held,
				null);
		List<Integer> handled = new CopyOnWriteArrayList<>();
		GroupMember member = (GroupMember) node.bus()
			.subscribe("jobs", Ping.class, (ping) -> handled.add(ping.id()), MEMBER);
		node.bus().publish("jobs", new Ping(1));
		await().atMost(Duration.ofSeconds(30)).until(() -> handled.contains(1));

		HeldConnections.Hold hold = held.holdAt("xreadgroup");
		assertThat(hold.reached.await(30, TimeUnit.SECONDS)).isTrue();
		// the member has decided to read, and will read this
		node.bus().publish("jobs", new Ping(2));
		node.bus().stopIntake();
		assertThat(node.bus().awaitDrained(Duration.ofMillis(300))).as("drained while the member is about to read")
			.isFalse();
		hold.release.countDown();
		assertThat(node.bus().awaitDrained(Duration.ofSeconds(30))).isTrue();
		// drained means handled: nothing comes after
		assertThat(handled).containsExactly(1, 2);
		await().atMost(Duration.ofSeconds(10)).until(() -> Long.valueOf(0).equals(stats(node, member).pending()));
		assertThat(member.stats().queued()).isZero();
	}

	@Test
	void aStopWhileAMemberLooksUpWhatItClaimedIsNotReportedDrainedBeforeTheClaimedAreHandled()
			throws InterruptedException {
		// redelivery is the point: the entry fails once and the member claims it back
		// after claim-idle
		HeldConnections held = new HeldConnections();
		Instance node = this.instances.start("node", (builder) -> builder.claimIdle(Duration.ofMillis(500)), held,
				null);
		AtomicInteger attempts = new AtomicInteger();
		List<Integer> handled = new CopyOnWriteArrayList<>();
		GroupMember member = (GroupMember) node.bus().subscribe("jobs", Ping.class, (ping) -> {
			if (attempts.getAndIncrement() == 0) {
				throw new IllegalStateException("fails the first time, on purpose");
			}
			handled.add(ping.id());
		}, MEMBER);
		HeldConnections.Hold hold = held.holdAt("xpending");
		node.bus().publish("jobs", new Ping(7));
		assertThat(hold.reached.await(30, TimeUnit.SECONDS)).isTrue();
		// the member has claimed the entry and is about to ask for its delivery count
		node.bus().stopIntake();
		assertThat(node.bus().awaitDrained(Duration.ofMillis(300))).as("drained while the member holds a claimed entry")
			.isFalse();
		hold.release.countDown();
		assertThat(node.bus().awaitDrained(Duration.ofSeconds(30))).isTrue();
		assertThat(handled).containsExactly(7);
		assertThat(attempts.get()).isEqualTo(2);
		RedisGroupStats stats = stats(node, member);
		assertThat(stats.reclaimed()).isEqualTo(1);
		assertThat(stats.failed()).isEqualTo(1);
		assertThat(stats.delivered()).isEqualTo(1);
		await().atMost(Duration.ofSeconds(10)).until(() -> Long.valueOf(0).equals(stats(node, member).pending()));
	}

	/**
	 * The member's counters and its group's figures (a member that stopped is no longer
	 * in the transport's stats).
	 */
	private static RedisGroupStats stats(Instance node, GroupMember member) {
		RedisEventTransport transport = node.transport();
		return member
			.groupStats(transport.figures().read(transport.topics().topic("jobs"), System.nanoTime() + 2_000_000_000L));
	}

}
