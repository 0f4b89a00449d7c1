package dev.sluice.redis.eventbus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import dev.sluice.eventbus.SubscriberOptions;
import dev.sluice.eventbus.SubscriberStats;
import dev.sluice.eventbus.Subscription;
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
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

class CompetingConsumersTest {

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
	void eachEventIsHandledOnceByOneMemberOfTheGroup() throws InterruptedException {
		int events = 300;
		AtomicIntegerArray handled = new AtomicIntegerArray(events);
		Map<String, AtomicInteger> byInstance = new ConcurrentHashMap<>();
		List<Instance> all = new ArrayList<>();
		List<Subscription> members = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			// exactly once needs no stall longer than claim-idle: no member fails here,
			// so a long one
			Instance instance = this.instances.start("node-" + i,
					(builder) -> builder.claimIdle(Duration.ofSeconds(5)));
			AtomicInteger mine = byInstance.computeIfAbsent(instance.name(), (name) -> new AtomicInteger());
			members.add(instance.bus().subscribe("jobs", Ping.class, (ping) -> {
				handled.incrementAndGet(ping.id());
				mine.incrementAndGet();
				sleep(2);
			}, MEMBER));
			all.add(instance);
		}
		for (int id = 0; id < events; id++) {
			all.get(id % 3).bus().publish("jobs", new Ping(id));
		}
		await().atMost(Duration.ofSeconds(30))
			.until(() -> byInstance.values().stream().mapToInt(AtomicInteger::get).sum() >= events);
		// a duplicate would show up as a count of 2, or a total above the events: none
		// comes meanwhile
		await().during(Duration.ofMillis(300))
			.atMost(Duration.ofSeconds(5))
			.until(() -> byInstance.values().stream().mapToInt(AtomicInteger::get).sum() == events);
		for (int id = 0; id < events; id++) {
			assertThat(handled.get(id)).as("times event %d was handled", id).isEqualTo(1);
		}
		assertThat(byInstance.values().stream().filter((count) -> count.get() > 0)).hasSizeGreaterThan(1);
		// a handler's work shows a moment before its accounting: wait for the counts
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			long delivered = 0;
			for (Subscription member : members) {
				SubscriberStats stats = member.stats();
				assertThat(stats.failed()).isZero();
				assertThat(stats.offered())
					.isEqualTo(stats.delivered() + stats.failed() + stats.dropped() + stats.queued());
				delivered += stats.delivered();
			}
			assertThat(delivered).isEqualTo(events);
		});
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			RedisGroupStats group = all.get(0).member("jobs", "worker");
			assertThat(group.pending()).isZero();
			assertThat(group.lag()).isZero();
		});
	}

	@Test
	void aMemberOfTheSameNameTwiceInOneInstanceOrOfAnotherTypeIsRefused() {
		Instance instance = this.instances.start("node");
		instance.bus().subscribe("jobs", Ping.class, (ping) -> {
		}, MEMBER);
		assertThatIllegalArgumentException().isThrownBy(() -> instance.bus().subscribe("jobs", Ping.class, (ping) -> {
		}, MEMBER)).withMessageContaining("already has a member named 'worker'");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> instance.bus().subscribe("jobs", Instances.Note.class, (note) -> {
			}, SubscriberOptions.named("other").withGroup("g")))
			.withMessageContaining("must take the same type");
	}

	@Test
	void anEventLeftByAnAbandonedMemberIsHandledByAnother() throws InterruptedException {
		Instance a = this.instances.start("a");
		CountDownLatch entered = new CountDownLatch(1);
		CountDownLatch never = new CountDownLatch(1);
		AtomicInteger interrupted = new AtomicInteger();
		a.bus().subscribe("jobs", Ping.class, (ping) -> {
			entered.countDown();
			try {
				never.await();
			}
			catch (InterruptedException ex) {
				interrupted.incrementAndGet();
				Thread.currentThread().interrupt();
			}
		}, MEMBER);
		a.bus().publish("jobs", new Ping(1));
		assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
		Instance b = this.instances.start("b");
		List<Integer> atB = new CopyOnWriteArrayList<>();
		b.bus().subscribe("jobs", Ping.class, (ping) -> atB.add(ping.id()), MEMBER);

		a.bus().stopIntake();
		assertThat(a.bus().awaitDrained(Duration.ofMillis(300))).isFalse();
		assertThat(a.bus().abandonRemaining()).isEqualTo(1);
		await().atMost(Duration.ofSeconds(30)).until(() -> atB.contains(1));
		assertThat(interrupted.get()).isEqualTo(1);
		// the handler's work shows a moment before its accounting
		await().atMost(Duration.ofSeconds(10)).until(() -> b.member("jobs", "worker").delivered() == 1);
		RedisGroupStats atBStats = b.member("jobs", "worker");
		assertThat(atBStats.reclaimed()).isEqualTo(1);
		assertThat(atBStats.delivered()).isEqualTo(1);
		await().atMost(Duration.ofSeconds(10)).until(() -> b.member("jobs", "worker").pending() == 0);
	}

	@Test
	void anEventLeftByAClosedSubscriptionIsHandledByAnother() throws InterruptedException {
		Instance a = this.instances.start("a");
		// both events are in the stream before the member's first read, so it reads them
		// as one batch
		this.instances.raw()
			.xgroupCreate(XReadArgs.StreamOffset.from(a.transport().streamKey("jobs"), "$"), "g",
					XGroupCreateArgs.Builder.mkstream(true));
		a.bus().publish("jobs", new Ping(1));
		a.bus().publish("jobs", new Ping(2));
		CountDownLatch entered = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		Subscription member = a.bus().subscribe("jobs", Ping.class, (ping) -> {
			entered.countDown();
			try {
				release.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}, MEMBER);
		assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
		member.close();
		Instance b = this.instances.start("b");
		List<Integer> atB = new CopyOnWriteArrayList<>();
		b.bus().subscribe("jobs", Ping.class, (ping) -> atB.add(ping.id()), MEMBER);
		// event 1 is still in the closed member's handler, event 2 was read with it and
		// left pending:
		// both are idle past claim-idle, so b takes them over
		await().atMost(Duration.ofSeconds(30)).until(() -> atB.containsAll(List.of(1, 2)));
		release.countDown();
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			SubscriberStats stats = member.stats();
			// the handler that was under way finished: delivered (late, and
			// acknowledged); 2 was left
			assertThat(stats.delivered()).isEqualTo(1);
			assertThat(stats.discarded()).isEqualTo(1);
			assertThat(stats.queued()).isZero();
		});
	}

	@Test
	@SuppressWarnings("unchecked")
	void entriesDeletedWhilePendingDoNotStopTheMemberThatClaims() throws InterruptedException {
		Instance instance = this.instances.start("node");
		String key = instance.transport().streamKey("jobs");
		RedisCommands<String, String> redis = this.instances.raw();
		redis.xgroupCreate(XReadArgs.StreamOffset.from(key, "$"), "g", XGroupCreateArgs.Builder.mkstream(true));
		for (int id = 1; id <= 3; id++) {
			instance.bus().publish("jobs", new Ping(id));
		}
		// a member elsewhere read them and died; then the middle one was deleted from the
		// stream
		List<StreamMessage<String, String>> read = redis.xreadgroup(Consumer.from("g", "ghost"),
				XReadArgs.Builder.count(10), XReadArgs.StreamOffset.lastConsumed(key));
		assertThat(read).hasSize(3);
		redis.xdel(key, read.get(1).getId());
		List<Integer> handled = new CopyOnWriteArrayList<>();
		instance.bus().subscribe("jobs", Ping.class, (ping) -> handled.add(ping.id()), MEMBER);
		await().atMost(Duration.ofSeconds(30)).until(() -> handled.containsAll(List.of(1, 3)));
		instance.bus().publish("jobs", new Ping(4));
		await().atMost(Duration.ofSeconds(30)).until(() -> handled.contains(4));
		assertThat(handled).containsExactly(1, 3, 4);
		RedisGroupStats stats = instance.member("jobs", "worker");
		assertThat(stats.reclaimed()).isEqualTo(2);
		assertThat(stats.deadLettered()).isZero();
		assertThat(instance.topic("jobs").malformed()).isZero();
		await().atMost(Duration.ofSeconds(10)).until(() -> instance.member("jobs", "worker").pending() == 0);
	}

	@Test
	void aHundredThousandEventsWithAMemberStoppedPartWayAreAllHandled() throws Exception {
		int events = 100_000;
		AtomicIntegerArray handled = new AtomicIntegerArray(events);
		AtomicInteger total = new AtomicInteger();
		AtomicInteger atA = new AtomicInteger();
		List<Instance> all = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			Instance instance = this.instances.start("node-" + i, (builder) -> builder.batchSize(200));
			boolean isA = i == 0;
			instance.bus().subscribe("load", Ping.class, (ping) -> {
				handled.incrementAndGet(ping.id());
				total.incrementAndGet();
				if (isA) {
					atA.incrementAndGet();
				}
			}, SubscriberOptions.named("worker").withGroup("g"));
			all.add(instance);
		}
		Instance publisher = all.get(2);
		int threads = 8;
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		long started = System.nanoTime();
		List<Future<?>> publishing = new ArrayList<>();
		for (int t = 0; t < threads; t++) {
			int first = t;
			publishing.add(pool.submit(() -> {
				for (int id = first; id < events; id += threads) {
					publisher.bus().publish("load", new Ping(id));
				}
				return null;
			}));
		}
		await().atMost(Duration.ofSeconds(60)).until(() -> atA.get() >= 5_000);
		int abandoned = all.get(0).crash();
		for (Future<?> future : publishing) {
			future.get(60, TimeUnit.SECONDS);
		}
		long published = System.nanoTime() - started;
		pool.shutdown();
		await().atMost(Duration.ofSeconds(60)).until(() -> total.get() >= events && allHandled(handled));
		System.out.printf(
				"100000 events: published in %d ms, handled in %d ms; %d at the crashed member,"
						+ " %d abandoned, %d handled twice%n",
				TimeUnit.NANOSECONDS.toMillis(published), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
				atA.get(), abandoned, total.get() - events);
		assertThat(publisher.topic("load").published()).isEqualTo(events);
	}

	private static boolean allHandled(AtomicIntegerArray handled) {
		for (int i = 0; i < handled.length(); i++) {
			if (handled.get(i) == 0) {
				return false;
			}
		}
		return true;
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
