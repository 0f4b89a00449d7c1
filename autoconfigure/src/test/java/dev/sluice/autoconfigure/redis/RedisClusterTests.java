package dev.sluice.autoconfigure.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.EventSubscriber;
import dev.sluice.eventbus.SubscriberOptions;
import dev.sluice.ratelimit.RateLimitExceededException;
import dev.sluice.ratelimit.RateLimiter;
import dev.sluice.ratelimit.RateLimiterRegistry;
import dev.sluice.redis.testing.TestRedis;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ContextConsumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three application contexts in one JVM, each an instance of the same application,
 * sharing one Redis: what a service running as several instances sees.
 */
class RedisClusterTests {

	@Test
	void theClusterLimitHoldsAcrossInstances() {
		int rate = 40;
		int burst = 10;
		ApplicationContextRunner runner = RedisContexts.runner()
			.withPropertyValues("sluice.redis.key-prefix=" + TestRedis.uniquePrefix(),
					"sluice.rate-limiter.instances.partner.rate=" + rate,
					"sluice.rate-limiter.instances.partner.per=1s",
					"sluice.rate-limiter.instances.partner.burst=" + burst,
					"sluice.rate-limiter.instances.partner.scope=cluster",
					// a slow round trip must not let a local limiter grant beside the
					// shared one here, and six
					// spinning callers on two cores can make a healthy round trip slow
					"sluice.rate-limiter.instances.partner.on-outage=fail-closed", "sluice.redis.operation-timeout=5s");
		List<RateLimiter> limiters = new CopyOnWriteArrayList<>();
		instances(runner, 3, (contexts) -> {
			contexts.forEach((context) -> limiters.add(context.getBean(RateLimiterRegistry.class).get("partner")));
			AtomicLong granted = new AtomicLong();
			AtomicLong unavailable = new AtomicLong();
			long start = System.nanoTime();
			long end = start + TimeUnit.MILLISECONDS.toNanos(1500);
			List<Thread> callers = new ArrayList<>();
			for (RateLimiter limiter : limiters) {
				for (int i = 0; i < 2; i++) {
					Thread caller = new Thread(() -> {
						while (System.nanoTime() < end) {
							try {
								if (limiter.tryAcquire()) {
									granted.incrementAndGet();
								}
							}
							catch (RateLimitExceededException ex) {
								unavailable.incrementAndGet();
							}
						}
					});
					caller.start();
					callers.add(caller);
				}
			}
			for (Thread caller : callers) {
				caller.join();
			}
			double seconds = (System.nanoTime() - start) / 1e9;
			// a classic token bucket: at most the burst plus what refilled over the
			// window; +1 for the
			// token whose refill straddles the last call
			long ceiling = (long) Math.floor(burst + rate * seconds) + 1;
			assertThat(granted.get()).as("granted by 3 instances in %.2fs", seconds)
				.isLessThanOrEqualTo(ceiling)
				.isGreaterThanOrEqualTo((long) (rate * 1.5 / 2));
			assertThat(unavailable.get()).as("round trips that timed out").isZero();
		});
	}

	@Test
	void eachKeysClusterLimitHoldsAcrossInstances() {
		int rate = 20;
		int burst = 5;
		int keys = 3;
		ApplicationContextRunner runner = RedisContexts.runner()
			.withPropertyValues("sluice.redis.key-prefix=" + TestRedis.uniquePrefix(),
					"sluice.rate-limiter.instances.api.rate=" + rate,
					"sluice.rate-limiter.instances.api.burst=" + burst,
					"sluice.rate-limiter.instances.api.scope=cluster", "sluice.rate-limiter.instances.api.keys.max=2",
					"sluice.rate-limiter.instances.api.on-outage=fail-closed", "sluice.redis.operation-timeout=5s");
		List<RateLimiter> limiters = new CopyOnWriteArrayList<>();
		instances(runner, 3, (contexts) -> {
			contexts.forEach((context) -> limiters.add(context.getBean(RateLimiterRegistry.class).get("api")));
			AtomicLong[] granted = new AtomicLong[keys];
			for (int k = 0; k < keys; k++) {
				granted[k] = new AtomicLong();
			}
			AtomicLong unavailable = new AtomicLong();
			long start = System.nanoTime();
			long end = start + TimeUnit.MILLISECONDS.toNanos(1500);
			List<Thread> callers = new ArrayList<>();
			for (RateLimiter limiter : limiters) {
				for (int i = 0; i < 2; i++) {
					int first = i;
					Thread caller = new Thread(() -> {
						// more keys than each instance keeps: keys are evicted here all
						// along, and their budgets stay in Redis
						int n = first;
						while (System.nanoTime() < end) {
							int key = n++ % keys;
							try {
								if (limiter.forKey("user-" + key).tryAcquire()) {
									granted[key].incrementAndGet();
								}
							}
							catch (RateLimitExceededException ex) {
								unavailable.incrementAndGet();
							}
						}
					});
					caller.start();
					callers.add(caller);
				}
			}
			for (Thread caller : callers) {
				caller.join();
			}
			double seconds = (System.nanoTime() - start) / 1e9;
			long ceiling = (long) Math.floor(burst + rate * seconds) + 1;
			for (int k = 0; k < keys; k++) {
				assertThat(granted[k].get()).as("granted to key %d by 3 instances in %.2fs", k, seconds)
					.isLessThanOrEqualTo(ceiling)
					.isGreaterThanOrEqualTo((long) (rate * 1.5 / 2));
			}
			assertThat(unavailable.get()).as("round trips that timed out").isZero();
			assertThat(limiters).allSatisfy((limiter) -> assertThat(limiter.keyCount()).isLessThanOrEqualTo(2 + 2));
		});
	}

	@Test
	void broadcastReachesEveryInstanceInPublishOrder() {
		ApplicationContextRunner runner = eventRunner();
		instances(runner, 3, (contexts) -> {
			List<Queue<String>> received = new ArrayList<>();
			for (AssertableApplicationContext context : contexts) {
				Queue<String> ids = new ConcurrentLinkedQueue<>();
				received.add(ids);
				context.getBean(EventBus.class)
					.subscribe("orders", TestOrder.class, (order) -> ids.add(order.id()),
							SubscriberOptions.named("audit"));
			}
			EventBus publisher = contexts.get(0).getBean(EventBus.class);
			for (int i = 0; i < 200; i++) {
				publisher.publish("orders", new TestOrder("o-" + i, i));
			}
			List<String> expected = IntStream.range(0, 200).mapToObj((i) -> "o-" + i).toList();
			await().atMost(Duration.ofSeconds(30))
				.untilAsserted(() -> received.forEach((ids) -> assertThat(ids).containsExactlyElementsOf(expected)));
		});
	}

	@Test
	void aGroupHandsEachEventToExactlyOneInstance() {
		// no member stops here, so a claim-idle far beyond any pause keeps redelivery out
		// of the count
		ApplicationContextRunner runner = eventRunner().withUserConfiguration(Billing.class)
			.withPropertyValues("sluice.event-bus.subscriber.instances.billing.group=billing",
					"sluice.redis.streams.claim-idle=10s");
		Billing.handled.clear();
		instances(runner, 3, (contexts) -> {
			EventBus publisher = contexts.get(1).getBean(EventBus.class);
			int events = 300;
			for (int i = 0; i < events; i++) {
				publisher.publish("orders", new TestOrder("o-" + i, i));
			}
			await().atMost(Duration.ofSeconds(30)).until(() -> Billing.total() >= events);
			// nothing further arrives: every event was handled once, in one instance
			await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> Billing.total() == events);
			Map<String, Integer> perEvent = new ConcurrentHashMap<>();
			Billing.handled.values().forEach((ids) -> ids.forEach((id) -> perEvent.merge(id, 1, Integer::sum)));
			assertThat(perEvent).hasSize(events);
			assertThat(perEvent.values()).containsOnly(1);
			assertThat(Billing.handled.values().stream().filter((ids) -> !ids.isEmpty()).count())
				.as("instances that handled some")
				.isGreaterThan(1);
		});
	}

	private static ApplicationContextRunner eventRunner() {
		return RedisContexts.runner()
			.withPropertyValues("sluice.redis.key-prefix=" + TestRedis.uniquePrefix(),
					"sluice.event-bus.transport=redis", "sluice.redis.event-types.order=" + TestOrder.class.getName(),
					"sluice.redis.streams.poll-timeout=200ms", "sluice.redis.streams.claim-idle=1s");
	}

	/**
	 * Runs the check with {@code count} instances of the application started from the
	 * runner.
	 */
	static void instances(ApplicationContextRunner runner, int count,
			ThrowingConsumer<List<AssertableApplicationContext>> check) {
		start(runner, count, new ArrayList<>(), check);
	}

	private static void start(ApplicationContextRunner runner, int count, List<AssertableApplicationContext> started,
			ThrowingConsumer<List<AssertableApplicationContext>> check) {
		if (started.size() == count) {
			try {
				check.accept(List.copyOf(started));
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
			return;
		}
		int index = started.size() + 1;
		ContextConsumer<AssertableApplicationContext> next = (context) -> {
			assertThat(context).hasNotFailed();
			started.add(context);
			start(runner, count, started, check);
		};
		runner.withPropertyValues("sluice.redis.instance-id=instance-" + index).run(next);
	}

	@FunctionalInterface
	interface ThrowingConsumer<T> {

		void accept(T value) throws Exception;

	}

	/** A competing subscriber; records what each instance (bean) handled. */
	static class Billing {

		static final Map<Billing, Queue<String>> handled = new ConcurrentHashMap<>();

		private final Queue<String> mine = new ConcurrentLinkedQueue<>();

		Billing() {
			handled.put(this, this.mine);
		}

		@EventSubscriber(topic = "orders", name = "billing")
		void bill(TestOrder order) {
			this.mine.add(order.id());
		}

		static long total() {
			return handled.values().stream().mapToLong(Queue::size).sum();
		}

	}

}
