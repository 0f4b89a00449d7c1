package dev.sluice.redis.ratelimit;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import dev.sluice.ratelimit.OutagePolicy;
import dev.sluice.ratelimit.PermitStore;
import dev.sluice.ratelimit.RateLimitConfig;
import dev.sluice.ratelimit.RateLimitExceededException.Reason;
import dev.sluice.ratelimit.RateLimitExceededException;
import dev.sluice.ratelimit.RateLimiter;
import dev.sluice.redis.testing.OwnedRedis;
import dev.sluice.redis.testing.TestRedis;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Cluster rate limiters against a real Redis: the shared server for the budget, a server
 * of the test's own for outages. Each instance has its own client, as separate
 * applications would.
 */
class RedisRateLimitersTest {

	/**
	 * Slack on every "returns within its timeout" bound: for scheduling, never for
	 * correctness.
	 */
	private static final Duration SLACK = Duration.ofSeconds(1);

	/**
	 * The operation timeout of the outage tests: short, yet long enough that a loaded
	 * machine does not make a healthy Redis look absent before the test stops it.
	 */
	private static final Duration OPERATION_TIMEOUT = Duration.ofSeconds(1);

	/**
	 * Options for the tests of a healthy Redis: a slow round trip on a loaded machine
	 * must not turn into an outage (which would fail them open, or over-grant), and a
	 * failure must show, not hide.
	 */
	private static final ClusterLimitOptions HEALTHY = new ClusterLimitOptions(OutagePolicy.FAIL_CLOSED,
			Duration.ofSeconds(5));

	private final Deque<Runnable> cleanup = new ArrayDeque<>();

	private final String prefix = TestRedis.uniquePrefix();

	private boolean deletesKeys;

	@AfterEach
	void cleanUp() {
		while (!this.cleanup.isEmpty()) {
			this.cleanup.pop().run();
		}
	}

	@Test
	void instancesShareOneBudgetExactly() throws Exception {
		int rate = 100;
		int burst = 10;
		RateLimitConfig config = new RateLimitConfig(rate, Duration.ofSeconds(1), burst, Duration.ZERO);
		List<RedisRateLimiters> instances = new ArrayList<>();
		List<RateLimiter> limiters = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			RedisRateLimiters instance = limiters(sharedClient());
			instances.add(instance);
			limiters.add(instance.create("shared", config, HEALTHY));
		}
		int threadsPerInstance = 2;
		long window = TimeUnit.MILLISECONDS.toNanos(1500);
		AtomicLong granted = new AtomicLong();
		ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
		CountDownLatch go = new CountDownLatch(1);
		List<Thread> threads = new ArrayList<>();
		AtomicLong start = new AtomicLong();
		for (RateLimiter limiter : limiters) {
			for (int i = 0; i < threadsPerInstance; i++) {
				Thread thread = new Thread(() -> {
					try {
						go.await();
						while (System.nanoTime() - start.get() < window) {
							if (limiter.tryAcquire()) {
								granted.incrementAndGet();
							}
						}
					}
					catch (Throwable ex) {
						errors.add(ex);
					}
				});
				thread.start();
				threads.add(thread);
			}
		}
		start.set(System.nanoTime());
		go.countDown();
		for (Thread thread : threads) {
			thread.join();
		}
		double elapsedSeconds = (System.nanoTime() - start.get()) / 1e9;
		assertThat(errors).isEmpty();
		// The bucket is created full by the first take, at or after start, and refills at
		// most rate per
		// second from then on, whichever instance takes. Tolerance, 2 permits: Bucket4j
		// reads the wall
		// clock in whole milliseconds, so the bucket may seem a millisecond older than it
		// is (0.1 permit
		// at 100/s), and the wall clock may drift a little from System.nanoTime over the
		// window.
		long upperBound = (long) Math.floor(burst + rate * elapsedSeconds) + 2;
		// six callers asking thousands of times a second use at least half the window's
		// refills, even
		// on a loaded machine (they use nearly all of them on an idle one)
		long lowerBound = burst + rate * 3 / 4;
		assertThat(granted.get()).isBetween(lowerBound, upperBound);
		for (RedisRateLimiters instance : instances) {
			assertThat(instance.stats()).singleElement().satisfies((stats) -> {
				assertThat(stats.reachable()).isTrue();
				assertThat(stats.failedRoundTrips()).isZero();
				assertThat(stats.grantedLocally()).isZero();
			});
		}
	}

	@Test
	void acquireWaitsForARefill() throws Exception {
		// a permit every 2s: a loaded machine may stall between two calls, but not for
		// that long
		RateLimiter limiter = limiters(sharedClient()).create("refill",
				new RateLimitConfig(1, Duration.ofSeconds(2), 1, Duration.ZERO), HEALTHY);
		long start = System.nanoTime();
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.tryAcquire()).isFalse();
		assertThat(limiter.timeToNextPermit()).isLessThanOrEqualTo(Duration.ofSeconds(2));
		limiter.acquire(1, Duration.ofSeconds(6));
		// the first take emptied the bucket, which refills a permit every 2s (less a
		// millisecond, for
		// Bucket4j's clock, and some drift of the wall clock)
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(1950));
	}

	@Test
	void acquireRefusesAtOnceWhenPermitsCannotComeInTime() {
		RateLimiter limiter = limiters(sharedClient()).create("slow",
				new RateLimitConfig(1, Duration.ofHours(1), 2, Duration.ZERO), HEALTHY);
		assertThat(limiter.tryAcquire(2)).isTrue();
		assertThat(limiter.stats().available()).isZero();
		assertRefusedWithin(Duration.ofMillis(200), () -> limiter.acquire(1, Duration.ofMillis(200)), (ex) -> {
			assertThat(ex.reason()).isEqualTo(Reason.LIMITED);
			assertThat(ex.retryAfter()).isGreaterThan(Duration.ofMinutes(59));
		});
	}

	@Test
	void failOpenGrantsFromTheLocalLimiterWhileRedisIsAway() {
		OwnedRedis redis = ownedRedis();
		// this client buffers commands while disconnected (Lettuce's default), so Redis's
		// absence shows
		// as round trips that time out
		RedisRateLimiters limiters = limiters(ownedClient(redis, false));
		RateLimiter limiter = limiters.create("open", new RateLimitConfig(5, Duration.ofHours(1), 5, Duration.ZERO),
				new ClusterLimitOptions(OutagePolicy.FAIL_OPEN, OPERATION_TIMEOUT));
		assertThat(limiter.tryAcquire()).isTrue();
		redis.kill();
		int granted = 0;
		for (int i = 0; i < 20; i++) {
			long start = System.nanoTime();
			if (limiter.tryAcquire()) {
				granted++;
			}
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(OPERATION_TIMEOUT.plus(SLACK));
		}
		// the local limiter has the same settings: at most its burst of 5 in its first
		// hour
		assertThat(granted).isBetween(1, 5);
		ClusterLimiterStats stats = limiters.stats().get(0);
		assertThat(stats.reachable()).isFalse();
		assertThat(stats.outageSince()).isNotNull();
		assertThat(stats.lastError()).isNotNull();
		assertThat(stats.grantedLocally()).isEqualTo(granted);
		// the outage is remembered: not one timed-out round trip per call (a slow machine
		// may see one
		// more probe when a retry interval passes)
		assertThat(stats.failedRoundTrips()).isBetween(1L, 3L);
		assertThat(limiters.ping(Duration.ofMillis(200))).isFalse();

		redis.restart();
		await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
			limiter.tryAcquire();
			assertThat(limiters.stats().get(0).reachable()).isTrue();
		});
		assertThat(limiters.stats().get(0).outageSince()).isNull();
		assertThat(limiters.ping(Duration.ofSeconds(2))).isTrue();
	}

	@Test
	void failClosedRefusesAsUnavailable() {
		OwnedRedis redis = ownedRedis();
		// this client rejects commands while disconnected, as the auto-configuration's
		// does
		RedisRateLimiters limiters = limiters(ownedClient(redis, true));
		RateLimiter limiter = limiters.create("closed",
				new RateLimitConfig(10, Duration.ofSeconds(1), 10, Duration.ZERO),
				new ClusterLimitOptions(OutagePolicy.FAIL_CLOSED, OPERATION_TIMEOUT));
		assertThat(limiter.tryAcquire()).isTrue();
		redis.kill();
		for (int i = 0; i < 5; i++) {
			assertRefusedWithin(OPERATION_TIMEOUT, limiter::tryAcquire,
					(ex) -> assertThat(ex.reason()).isEqualTo(Reason.UNAVAILABLE));
			assertRefusedWithin(Duration.ofMillis(500), () -> limiter.acquire(1, Duration.ofMillis(500)),
					(ex) -> assertThat(ex.reason()).isEqualTo(Reason.UNAVAILABLE));
		}
		assertThat(limiters.stats().get(0).reachable()).isFalse();
		assertThat(limiters.ping(Duration.ofMillis(200))).isFalse();

		redis.restart();
		await().atMost(Duration.ofSeconds(15))
			.pollInterval(Duration.ofMillis(50))
			.ignoreException(RateLimitExceededException.class)
			.untilAsserted(() -> {
				assertThat(limiters.ping(Duration.ofMillis(200))).isTrue();
				assertThat(limiter.tryAcquire()).isTrue();
			});
		assertThat(limiters.stats().get(0).reachable()).isTrue();
	}

	@Test
	void waitRefusesAsUnavailableWhenTheCallersTimeRunsOut() {
		OwnedRedis redis = ownedRedis();
		RedisRateLimiters limiters = limiters(ownedClient(redis, false));
		RateLimiter limiter = limiters.create("wait", new RateLimitConfig(10, Duration.ofSeconds(1), 10, Duration.ZERO),
				new ClusterLimitOptions(OutagePolicy.WAIT, OPERATION_TIMEOUT));
		assertThat(limiter.tryAcquire()).isTrue();
		redis.kill();
		Duration timeout = Duration.ofSeconds(3);
		long start = System.nanoTime();
		assertRefusedWithin(timeout, () -> limiter.acquire(1, timeout),
				(ex) -> assertThat(ex.reason()).isEqualTo(Reason.UNAVAILABLE));
		// it kept trying until its time was up
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(timeout.minusMillis(50));
		// a caller that never waits is refused at once during a known outage, or after
		// one probe
		assertRefusedWithin(OPERATION_TIMEOUT, limiter::tryAcquire,
				(ex) -> assertThat(ex.reason()).isEqualTo(Reason.UNAVAILABLE));
		assertThat(limiters.stats().get(0).reachable()).isFalse();
	}

	@Test
	void waitSucceedsWhenRedisComesBackInTime() throws Exception {
		OwnedRedis redis = ownedRedis();
		RedisRateLimiters limiters = limiters(ownedClient(redis, false));
		RateLimiter limiter = limiters.create("comeback",
				new RateLimitConfig(10, Duration.ofSeconds(1), 10, Duration.ZERO),
				new ClusterLimitOptions(OutagePolicy.WAIT, OPERATION_TIMEOUT));
		assertThat(limiter.tryAcquire()).isTrue();
		redis.kill();
		Duration timeout = Duration.ofSeconds(15);
		long start = System.nanoTime();
		CompletableFuture<Void> acquired = CompletableFuture.runAsync(() -> {
			try {
				limiter.acquire(1, timeout);
			}
			catch (InterruptedException ex) {
				throw new IllegalStateException(ex);
			}
		});
		// the caller is waiting for Redis
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(limiters.stats().get(0).reachable()).isFalse());
		assertThat(acquired).isNotDone();
		redis.restart();
		acquired.get(timeout.plus(SLACK).toMillis(), TimeUnit.MILLISECONDS);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(timeout.plus(SLACK));
		assertThat(limiters.stats().get(0).reachable()).isTrue();
		assertThat(limiters.ping(Duration.ofSeconds(2))).isTrue();
	}

	@Test
	void aCallerWaitingForRedisCanBeInterrupted() throws Exception {
		OwnedRedis redis = ownedRedis();
		RedisRateLimiters limiters = limiters(ownedClient(redis, true));
		RateLimiter limiter = limiters.create("interrupted",
				new RateLimitConfig(10, Duration.ofSeconds(1), 10, Duration.ZERO),
				new ClusterLimitOptions(OutagePolicy.WAIT, OPERATION_TIMEOUT));
		redis.kill();
		CompletableFuture<Throwable> outcome = new CompletableFuture<>();
		Thread waiter = new Thread(() -> {
			try {
				limiter.acquire(1, Duration.ofSeconds(30));
				outcome.complete(null);
			}
			catch (Throwable ex) {
				outcome.complete(ex);
			}
		});
		waiter.start();
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(limiters.stats().get(0).reachable()).isFalse());
		waiter.interrupt();
		assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
		waiter.join();
	}

	@Test
	void reconfiguringOneInstanceChangesTheBudgetOfEvery() {
		RateLimitConfig slow = new RateLimitConfig(1, Duration.ofHours(1), 1, Duration.ZERO);
		RateLimiter one = limiters(sharedClient()).create("reconfigured", slow, HEALTHY);
		RateLimiter other = limiters(sharedClient()).create("reconfigured", slow, HEALTHY);
		assertThat(one.tryAcquire()).isTrue();
		assertThat(other.tryAcquire()).isFalse();
		assertThat(other.timeToNextPermit()).isGreaterThan(Duration.ofMinutes(59));

		one.reconfigure(new RateLimitConfig(50, Duration.ofSeconds(1), 5, Duration.ZERO));
		// the other instance still has the old settings, which would give it nothing for
		// an hour
		await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(other::tryAcquire);
		assertThat(other.config()).isEqualTo(slow);
	}

	@Test
	void everyInstanceShowsTheSettingsRedisHoldsAChangeOnOneShowsOnTheOthersAtOnce() {
		RateLimitConfig slow = new RateLimitConfig(1, Duration.ofHours(1), 1, Duration.ZERO);
		RedisRateLimiters first = limiters(sharedClient());
		RedisRateLimiters second = limiters(sharedClient());
		RateLimiter one = first.create("shown", slow, HEALTHY);
		RateLimiter other = second.create("shown", slow, HEALTHY);
		ClusterLimiterStats.Settings before = new ClusterLimiterStats.Settings(1, Duration.ofHours(1), 1);
		assertThat(first.stats().get(0).effective()).isEqualTo(before);
		assertThat(second.stats().get(0).effective()).isEqualTo(before);
		long roundTrips = second.stats().get(0).roundTrips();

		one.reconfigure(new RateLimitConfig(50, Duration.ofSeconds(1), 5, Duration.ZERO));
		ClusterLimiterStats.Settings after = new ClusterLimiterStats.Settings(50, Duration.ofSeconds(1), 5);
		// the change is pushed as it is made; the other instance reads it on its next
		// stats, having taken nothing meanwhile
		await().atMost(Duration.ofSeconds(2)).until(() -> after.equals(second.stats().get(0).effective()));
		assertThat(first.stats().get(0).effective()).isEqualTo(after);
		// its own configuration is what it was given; Redis's is what it applies
		assertThat(other.config()).isEqualTo(slow);
		assertThat(other.tryAcquire()).isTrue();
		// reading the settings is not one of the limiter's round trips
		assertThat(second.stats().get(0).roundTrips()).isEqualTo(roundTrips + 1);
	}

	@Test
	void statsAndMetricsFollowEveryLimiter() {
		RedisRateLimiters limiters = limiters(sharedClient());
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		new RedisRateLimiterMetrics(limiters).bindTo(registry);
		// made after binding, and bound all the same
		RateLimiter limiter = limiters.create("metered",
				new RateLimitConfig(100, Duration.ofSeconds(1), 3, Duration.ZERO), HEALTHY);
		for (int i = 0; i < 5; i++) {
			limiter.tryAcquire();
		}
		assertThat(
				registry.get("sluice.ratelimiter.redis.round.trips").tag("name", "metered").functionCounter().count())
			.isEqualTo(5);
		assertThat(registry.get("sluice.ratelimiter.redis.failures").tag("name", "metered").functionCounter().count())
			.isZero();
		assertThat(
				registry.get("sluice.ratelimiter.redis.local.grants").tag("name", "metered").functionCounter().count())
			.isZero();
		assertThat(registry.get("sluice.ratelimiter.redis.reachable").tag("name", "metered").gauge().value())
			.isEqualTo(1);
		assertThat(limiters.stats()).singleElement().satisfies((stats) -> {
			assertThat(stats.name()).isEqualTo("metered");
			assertThat(stats.onOutage()).isEqualTo(OutagePolicy.FAIL_CLOSED);
			assertThat(stats.roundTrips()).isEqualTo(5);
			assertThat(stats.outageSince()).isNull();
			assertThat(stats.lastError()).isNull();
		});
		assertThat(limiters.ping(Duration.ofSeconds(2))).isTrue();
	}

	@Test
	void namesAreUniqueUntilTheirLimiterShutsDown() {
		RedisRateLimiters limiters = limiters(sharedClient());
		RateLimitConfig config = RateLimitConfig.perSecond(10);
		RateLimiter first = limiters.create("unique", config, HEALTHY);
		assertThatIllegalArgumentException().isThrownBy(() -> limiters.create("unique", config, HEALTHY))
			.withMessageContaining("'unique' exists already");
		first.setRate(20);
		assertThat(limiters.stats()).extracting(ClusterLimiterStats::name).containsExactly("unique");
		first.stopIntake();
		assertThat(limiters.stats()).isEmpty();
		RateLimiter second = limiters.create("unique", config, HEALTHY);
		assertThat(second.tryAcquire()).isTrue();
	}

	@Test
	void closeShutsDownEveryLimiter() {
		RedisRateLimiters limiters = limiters(sharedClient());
		RateLimiter limiter = limiters.create("closing", RateLimitConfig.perSecond(10), HEALTHY);
		assertThat(limiter.tryAcquire()).isTrue();
		limiters.close();
		assertThatThrownBy(limiter::tryAcquire).isInstanceOfSatisfying(RateLimitExceededException.class,
				(ex) -> assertThat(ex.reason()).isEqualTo(Reason.SHUT_DOWN));
		assertThatIllegalStateException()
			.isThrownBy(() -> limiters.create("later", RateLimitConfig.perSecond(10), HEALTHY));
		assertThat(limiters.ping(Duration.ofMillis(200))).isFalse();
	}

	@Test
	void startsWhileRedisIsDownAndConnectsWhenItComesBack() {
		OwnedRedis redis = ownedRedis();
		RedisClient client = ownedClient(redis, true);
		redis.kill();
		long start = System.nanoTime();
		RedisRateLimiters limiters = limiters(client);
		// a refused connection ends the wait for the first one at once
		assertThat(Duration.ofNanos(System.nanoTime() - start))
			.isLessThan(RedisRateLimiters.DEFAULT_CONNECT_WAIT.plus(SLACK));
		RateLimiter open = limiters.create("open", new RateLimitConfig(5, Duration.ofHours(1), 5, Duration.ZERO),
				new ClusterLimitOptions(OutagePolicy.FAIL_OPEN, OPERATION_TIMEOUT));
		RateLimiter closed = limiters.create("closed",
				new RateLimitConfig(10, Duration.ofSeconds(1), 10, Duration.ZERO),
				new ClusterLimitOptions(OutagePolicy.FAIL_CLOSED, OPERATION_TIMEOUT));
		RateLimiter waiting = limiters.create("waiting",
				new RateLimitConfig(10, Duration.ofSeconds(1), 10, Duration.ZERO),
				new ClusterLimitOptions(OutagePolicy.WAIT, OPERATION_TIMEOUT));

		assertThat(open.tryAcquire()).isTrue();
		assertRefusedWithin(OPERATION_TIMEOUT, closed::tryAcquire,
				(ex) -> assertThat(ex.reason()).isEqualTo(Reason.UNAVAILABLE));
		assertRefusedWithin(Duration.ofMillis(500), () -> closed.acquire(1, Duration.ofMillis(500)),
				(ex) -> assertThat(ex.reason()).isEqualTo(Reason.UNAVAILABLE));
		Duration timeout = Duration.ofSeconds(2);
		long waitStart = System.nanoTime();
		assertRefusedWithin(timeout, () -> waiting.acquire(1, timeout),
				(ex) -> assertThat(ex.reason()).isEqualTo(Reason.UNAVAILABLE));
		assertThat(Duration.ofNanos(System.nanoTime() - waitStart)).isGreaterThanOrEqualTo(timeout.minusMillis(50));
		assertThat(limiters.stats()).hasSize(3).allSatisfy((stats) -> {
			assertThat(stats.reachable()).isFalse();
			assertThat(stats.outageSince()).isNotNull();
			assertThat(stats.lastError()).isNotNull();
		});
		assertThat(limiters.stats().get(0).grantedLocally()).isEqualTo(1);
		assertThat(limiters.ping(Duration.ofMillis(200))).isFalse();

		redis.restart();
		// connecting is retried once a second, and each limiter probes once a second
		await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(50))
			.ignoreException(RateLimitExceededException.class)
			.untilAsserted(() -> {
				open.tryAcquire();
				assertThat(closed.tryAcquire()).isTrue();
				assertThat(waiting.tryAcquire()).isTrue();
				assertThat(limiters.stats()).allSatisfy((stats) -> assertThat(stats.reachable()).isTrue());
			});
		assertThat(limiters.ping(Duration.ofSeconds(2))).isTrue();
		// the shared bucket, not the local one: its burst of 5 was untouched
		assertThat(open.tryAcquire(4)).isTrue();
	}

	@Test
	void aClientThatCannotConnectAtAllFailsAtOnce() {
		// no default RedisURI: no retry would help
		RedisClient client = RedisClient.create();
		this.cleanup.push(client::shutdown);
		assertThatIllegalStateException().isThrownBy(() -> RedisRateLimiters.create(client, this.prefix));
	}

	@Test
	void configurationVersionsComeFromRedisAndOnlyIncrease() {
		RedisRateLimiters one = limiters(sharedClient());
		RedisRateLimiters other = limiters(sharedClient());
		long timeout = Duration.ofSeconds(5).toNanos();
		long before = redisTimeMicros();
		long first = one.nextConfigurationVersion(timeout);
		long previous = first;
		for (int i = 0; i < 100; i++) {
			// strictly increasing across every RedisRateLimiters of the JVM, even within
			// one microsecond
			long version = ((i % 2 == 0) ? other : one).nextConfigurationVersion(timeout);
			assertThat(version).isGreaterThan(previous);
			previous = version;
		}
		long after = redisTimeMicros();
		// Redis's clock, in microseconds (a second of slack for a local clock that ran
		// ahead in another test)
		assertThat(first).isBetween(before, after + 1_000_000);
		assertThat(previous).isLessThanOrEqualTo(after + 1_000_000);

		// without Redis, the local clock, still increasing, and without waiting for Redis
		OwnedRedis redis = ownedRedis();
		RedisRateLimiters away = limiters(ownedClient(redis, false));
		redis.kill();
		long start = System.nanoTime();
		long local = away.nextConfigurationVersion(OPERATION_TIMEOUT.toNanos());
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(OPERATION_TIMEOUT.plus(SLACK));
		assertThat(local).isGreaterThan(previous);
		assertThat(away.nextConfigurationVersion(0)).isGreaterThan(local);
	}

	@Test
	void shutdownWakesACallerWaitingForRedis() throws Exception {
		assertShuttingDownWakesAWaitingCaller("waking", (limiters, limiter) -> limiter.stopIntake());
	}

	@Test
	void closeWakesACallerWaitingForRedis() throws Exception {
		assertShuttingDownWakesAWaitingCaller("closing-wait", (limiters, limiter) -> limiters.close());
	}

	/**
	 * A WAIT caller parked during an outage wakes as soon as {@code shutdown} runs,
	 * refused as shut down. A long operation timeout makes a long retry interval: only
	 * the shutdown can wake the caller soon.
	 */
	private void assertShuttingDownWakesAWaitingCaller(String name, BiConsumer<RedisRateLimiters, RateLimiter> shutdown)
			throws Exception {
		OwnedRedis redis = ownedRedis();
		RedisRateLimiters limiters = limiters(ownedClient(redis, true));
		RateLimiter limiter = limiters.create(name, new RateLimitConfig(10, Duration.ofSeconds(1), 10, Duration.ZERO),
				new ClusterLimitOptions(OutagePolicy.WAIT, Duration.ofSeconds(5)));
		assertThat(limiter.tryAcquire()).isTrue();
		redis.kill();
		CompletableFuture<Throwable> outcome = new CompletableFuture<>();
		Thread waiter = waitFor(limiter, outcome);
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			assertThat(limiters.stats().get(0).reachable()).isFalse();
			assertThat(waiter.getState()).isEqualTo(Thread.State.TIMED_WAITING);
		});
		long start = System.nanoTime();
		shutdown.accept(limiters, limiter);
		assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(RateLimitExceededException.class,
				(ex) -> assertThat(ex.reason()).isEqualTo(Reason.SHUT_DOWN));
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(SLACK.plusSeconds(1));
		waiter.join();
		assertThat(limiters.stats()).isEmpty();
	}

	@Test
	void aChangeOfSettingsRacingTheShutdownStillFreesTheName() throws Exception {
		RedisRateLimiters limiters = limiters(sharedClient());
		RateLimitConfig config = RateLimitConfig.perSecond(10);
		RateLimiter limiter = limiters.create("racing", config, HEALTHY);
		ClusterLimit limit = limiters.limit("racing");
		// a reconfigure has made its new store, not yet put it in place, when the limiter
		// shuts down
		PermitStore newer = limit.newStore("racing", config.withRate(20));
		limiter.stopIntake();
		assertThat(limiters.stats()).isEmpty();
		assertThatThrownBy(() -> newer.tryTake(1, 0)).isInstanceOfSatisfying(RateLimitExceededException.class,
				(ex) -> assertThat(ex.reason()).isEqualTo(Reason.SHUT_DOWN));
		// the reconfigure then closes the store it replaced; nothing changes
		newer.close();
		RateLimiter again = limiters.create("racing", config, HEALTHY);
		assertThat(again.tryAcquire()).isTrue();
	}

	@Test
	void aLimiterMadeAgainUnderItsNameGetsMetersOfItsOwn() {
		RedisRateLimiters limiters = limiters(sharedClient());
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		new RedisRateLimiterMetrics(limiters).bindTo(registry);
		RateLimitConfig config = new RateLimitConfig(100, Duration.ofSeconds(1), 10, Duration.ZERO);
		RateLimiter first = limiters.create("remade", config, HEALTHY);
		for (int i = 0; i < 3; i++) {
			first.tryAcquire();
		}
		assertThat(registry.get("sluice.ratelimiter.redis.round.trips").tag("name", "remade").functionCounter().count())
			.isEqualTo(3);
		first.stopIntake();
		assertThat(registry.find("sluice.ratelimiter.redis.round.trips").tag("name", "remade").meters()).isEmpty();
		assertThat(registry.find("sluice.ratelimiter.redis.reachable").tag("name", "remade").meters()).isEmpty();

		RateLimiter second = limiters.create("remade", config, HEALTHY);
		assertThat(second.tryAcquire()).isTrue();
		assertThat(registry.get("sluice.ratelimiter.redis.round.trips").tag("name", "remade").functionCounter().count())
			.isEqualTo(1);
		assertThat(registry.get("sluice.ratelimiter.redis.reachable").tag("name", "remade").gauge().value())
			.isEqualTo(1);
	}

	@Test
	void optionsAreValidated() {
		assertThat(ClusterLimitOptions.defaults())
			.isEqualTo(new ClusterLimitOptions(OutagePolicy.FAIL_OPEN, Duration.ofMillis(250)));
		assertThatIllegalArgumentException().isThrownBy(() -> new ClusterLimitOptions(null, Duration.ofSeconds(1)))
			.withMessageContaining("on-outage");
		assertThatIllegalArgumentException().isThrownBy(() -> new ClusterLimitOptions(OutagePolicy.WAIT, Duration.ZERO))
			.withMessage("operation-timeout must be a positive duration of at most 60s (such as 250ms), was PT0S");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> ClusterLimitOptions.defaults().withOperationTimeout(Duration.ofMillis(-1)))
			.withMessageContaining("operation-timeout");
		assertThatIllegalArgumentException().isThrownBy(() -> new ClusterLimitOptions(OutagePolicy.WAIT, null))
			.withMessageContaining("operation-timeout");
	}

	/**
	 * Starts a thread that waits up to 30s for a permit, and completes the outcome with
	 * how it ended.
	 */
	private static Thread waitFor(RateLimiter limiter, CompletableFuture<Throwable> outcome) {
		Thread waiter = new Thread(() -> {
			try {
				limiter.acquire(1, Duration.ofSeconds(30));
				outcome.complete(null);
			}
			catch (Throwable ex) {
				outcome.complete(ex);
			}
		});
		waiter.start();
		return waiter;
	}

	/** Redis's clock, in microseconds, asked on a connection of its own. */
	private static long redisTimeMicros() {
		RedisClient client = RedisClient.create(TestRedis.uri());
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			List<String> time = connection.sync().time();
			return Long.parseLong(time.get(0)) * 1_000_000L + Long.parseLong(time.get(1));
		}
		finally {
			client.shutdown();
		}
	}

	/**
	 * Runs the call, which must be refused (with what {@code check} asserts) within
	 * timeout plus slack.
	 */
	private static void assertRefusedWithin(Duration timeout, Executable call,
			Consumer<RateLimitExceededException> check) {
		long start = System.nanoTime();
		assertThatThrownBy(call::execute).isInstanceOfSatisfying(RateLimitExceededException.class, check::accept);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(timeout.plus(SLACK));
	}

	private RedisRateLimiters limiters(RedisClient client) {
		RedisRateLimiters limiters = RedisRateLimiters.create(client, this.prefix);
		this.cleanup.push(limiters::close);
		return limiters;
	}

	/**
	 * A client of its own on the shared server; the test's keys are deleted afterwards.
	 */
	private RedisClient sharedClient() {
		RedisURI uri = TestRedis.uri();
		RedisClient client = RedisClient.create(uri);
		this.cleanup.push(client::shutdown);
		if (!this.deletesKeys) {
			// the test's keys go last of all
			this.deletesKeys = true;
			this.cleanup.addLast(() -> deleteKeys(uri));
		}
		return client;
	}

	private void deleteKeys(RedisURI uri) {
		RedisClient client = RedisClient.create(uri);
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			List<String> keys = connection.sync().keys(this.prefix + "*");
			if (!keys.isEmpty()) {
				connection.sync().del(keys.toArray(String[]::new));
			}
		}
		finally {
			client.shutdown();
		}
	}

	private OwnedRedis ownedRedis() {
		OwnedRedis redis = OwnedRedis.start();
		this.cleanup.push(redis::close);
		return redis;
	}

	/**
	 * A client that reconnects every 100ms (Lettuce's default backs off to 30s, too slow
	 * for a test), and that either buffers commands while disconnected (Lettuce's
	 * default) or rejects them.
	 */
	private RedisClient ownedClient(OwnedRedis redis, boolean rejectWhileDisconnected) {
		ClientResources resources = ClientResources.builder()
			.reconnectDelay(Delay.constant(Duration.ofMillis(100)))
			.build();
		this.cleanup.push(resources::shutdown);
		RedisClient client = RedisClient.create(resources, redis.uri());
		if (rejectWhileDisconnected) {
			client.setOptions(ClientOptions.builder()
				.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
				.build());
		}
		this.cleanup.push(client::shutdown);
		return client;
	}

}
