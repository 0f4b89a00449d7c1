package dev.sluice.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.sluice.InvalidSettingException;
import dev.sluice.KeyLimits;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Per-key budgets ({@link RateLimiter#forKey}) on a fake clock: 10 per second with a
 * burst of 5 is 5 permits every 500ms, for each key.
 */
class KeyedRateLimiterTest {

	private final AtomicLong now = new AtomicLong(1_000_000_000L);

	private RateLimiter limiter(int maxKeys, Duration idle) {
		return RateLimiter.create("api", new RateLimitConfig(10, Duration.ofSeconds(1), 5, Duration.ZERO),
				new KeyLimits(maxKeys, idle), this.now::get);
	}

	private static int drain(RateLimiter limiter) {
		int taken = 0;
		while (limiter.tryAcquire()) {
			taken++;
		}
		return taken;
	}

	@Test
	void twoKeysHaveIndependentBudgetsAndTheLimiterItsOwn() {
		RateLimiter limiter = limiter(100, Duration.ofMinutes(1));
		assertThat(drain(limiter.forKey("alice"))).isEqualTo(5);
		assertThat(drain(limiter.forKey("bob"))).isEqualTo(5);
		assertThat(limiter.forKey("alice").tryAcquire()).isFalse();
		assertThat(drain(limiter)).isEqualTo(5);
		assertThat(limiter.forKey("alice")).isSameAs(limiter.forKey("alice"));
		assertThat(limiter.forKey("alice").key()).contains("alice");
		assertThat(limiter.key()).isEmpty();
		// refusals count as the limiter's, and its stats show the live keys
		RateLimiterStats stats = limiter.stats();
		assertThat(stats.keys()).isEqualTo(2);
		assertThat(stats.rejected()).isEqualTo(4);
		this.now.addAndGet(Duration.ofMillis(500).toNanos());
		assertThat(drain(limiter.forKey("alice"))).isEqualTo(5);
	}

	@Test
	void aRefusalNamesTheLimiterAndSaysWhenToRetry() throws InterruptedException {
		RateLimiter key = limiter(100, Duration.ofMinutes(1)).forKey("alice");
		drain(key);
		assertThatThrownBy(() -> key.acquire(1, Duration.ofMillis(100))).isInstanceOf(RateLimitExceededException.class)
			.satisfies((ex) -> {
				RateLimitExceededException refused = (RateLimitExceededException) ex;
				assertThat(refused.limiter()).isEqualTo("api");
				assertThat(refused.retryAfter()).isEqualTo(Duration.ofMillis(500));
			});
	}

	@Test
	void manyKeysStayBoundedAndTheLeastRecentlyUsedGoFirst() {
		RateLimiter limiter = limiter(1_000, Duration.ofHours(1));
		RateLimiter hot = limiter.forKey("hot");
		hot.tryAcquire();
		for (int i = 0; i < 20_000; i++) {
			this.now.addAndGet(1_000_000);
			limiter.forKey("user-" + i).tryAcquire();
			if (i % 50 == 0) {
				assertThat(limiter.forKey("hot")).isSameAs(hot);
			}
			assertThat(limiter.keyCount()).isLessThanOrEqualTo(1_000);
		}
		assertThat(limiter.forKey("hot")).isSameAs(hot);
		assertThat(limiter.stats().keys()).isBetween(900, 1_000);
	}

	@Test
	void idleKeysAreEvictedOnlyOnceTheirBucketWouldBeFullAgain() {
		// an idle timeout shorter than the 500ms refill: a key is kept for the refill
		RateLimiter limiter = limiter(100, Duration.ofMillis(100));
		RateLimiter alice = limiter.forKey("alice");
		drain(alice);
		this.now.addAndGet(Duration.ofMillis(300).toNanos());
		limiter.forKey("bob");
		assertThat(limiter.forKey("alice")).isSameAs(alice);
		assertThat(limiter.forKey("alice").tryAcquire()).isFalse();
		this.now.addAndGet(Duration.ofSeconds(2).toNanos());
		limiter.forKey("carol");
		limiter.forKey("dave");
		assertThat(limiter.keyCount()).isEqualTo(2);
		RateLimiter back = limiter.forKey("alice");
		assertThat(back).isNotSameAs(alice);
		assertThat(drain(back)).isEqualTo(5);
	}

	@Test
	void anEvictedKeysLimiterPassesItsCallsToTheKeysCurrentOne() {
		RateLimiter limiter = limiter(1, Duration.ofHours(1));
		RateLimiter alice = limiter.forKey("alice");
		this.now.addAndGet(1_000_000);
		limiter.forKey("bob");
		assertThat(limiter.keyCount()).isEqualTo(1);
		// alice was evicted; her old limiter still works, on her current budget
		assertThat(drain(alice)).isEqualTo(5);
		assertThat(limiter.forKey("alice").tryAcquire()).isFalse();
		assertThat(alice.isShutdown()).isFalse();
	}

	@Test
	void aNewRateReachesEveryKeyWhichStartsAfresh() {
		RateLimiter limiter = limiter(100, Duration.ofMinutes(1));
		RateLimiter alice = limiter.forKey("alice");
		drain(alice);
		alice.setRate(20);
		assertThat(limiter.config().rate()).isEqualTo(20);
		assertThat(limiter.forKey("alice").config().rate()).isEqualTo(20);
		assertThat(drain(limiter.forKey("alice"))).isEqualTo(5);
		// the old limiter of the key follows too
		assertThat(alice.tryAcquire()).isFalse();
	}

	@Test
	void shutdownRefusesEveryKeyAndWakesTheirWaiters() throws Exception {
		RateLimiter limiter = RateLimiter.create("api", new RateLimitConfig(1, Duration.ofHours(1), 1, Duration.ZERO));
		RateLimiter alice = limiter.forKey("alice");
		alice.tryAcquire();
		CountDownLatch started = new CountDownLatch(1);
		ExecutorService executor = Executors.newSingleThreadExecutor();
		try {
			Future<?> waiter = executor.submit(() -> {
				started.countDown();
				alice.acquire(1, Duration.ofHours(2));
				return null;
			});
			started.await();
			await().atMost(Duration.ofSeconds(10)).until(() -> limiter.stats().waiting() == 1);
			limiter.stopIntake();
			assertThatThrownBy(() -> waiter.get(10, TimeUnit.SECONDS))
				.hasCauseInstanceOf(RateLimitExceededException.class)
				.cause()
				.extracting((ex) -> ((RateLimitExceededException) ex).reason())
				.isEqualTo(RateLimitExceededException.Reason.SHUT_DOWN);
		}
		finally {
			executor.shutdownNow();
		}
		assertThatThrownBy(() -> limiter.forKey("bob").tryAcquire()).isInstanceOf(RateLimitExceededException.class);
		assertThat(alice.isShutdown()).isTrue();
	}

	@Test
	void concurrentCallersOfOneKeyNeverGetMoreThanItsBudget() throws Exception {
		RateLimiter limiter = RateLimiter.create("api",
				new RateLimitConfig(100, Duration.ofHours(1), 100, Duration.ZERO),
				new KeyLimits(4, Duration.ofHours(1)), System::nanoTime);
		AtomicInteger granted = new AtomicInteger();
		ExecutorService executor = Executors.newFixedThreadPool(4);
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (int t = 0; t < 4; t++) {
				int thread = t;
				futures.add(executor.submit(() -> {
					for (int i = 0; i < 2_000; i++) {
						// other keys churn the map (at most 4 kept), evicting "shared"
						// now and then;
						// an evicted key starts afresh, so only the one kept throughout
						// is checked
						limiter.forKey("churn-" + thread + "-" + i).tryAcquire();
					}
				}));
			}
			for (Future<?> future : futures) {
				future.get(30, TimeUnit.SECONDS);
			}
		}
		finally {
			executor.shutdownNow();
		}
		assertThat(limiter.keyCount()).isLessThanOrEqualTo(4 + 4);
		// one key, many threads, no eviction: exactly its burst
		RateLimiter one = RateLimiter.create("one", new RateLimitConfig(100, Duration.ofHours(1), 100, Duration.ZERO));
		ExecutorService pool = Executors.newFixedThreadPool(4);
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (int t = 0; t < 4; t++) {
				futures.add(pool.submit(() -> {
					for (int i = 0; i < 1_000; i++) {
						if (one.forKey("k").tryAcquire()) {
							granted.incrementAndGet();
						}
					}
				}));
			}
			for (Future<?> future : futures) {
				future.get(30, TimeUnit.SECONDS);
			}
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(granted.get()).isEqualTo(100);
	}

	@Test
	void badKeyLimitsAreRefusedNamingTheSetting() {
		assertThatThrownBy(() -> new KeyLimits(0, Duration.ofMinutes(1))).isInstanceOf(InvalidSettingException.class)
			.extracting((ex) -> ((InvalidSettingException) ex).setting())
			.isEqualTo("keys.max");
		assertThatThrownBy(() -> new KeyLimits(10, Duration.ZERO)).isInstanceOf(InvalidSettingException.class)
			.extracting((ex) -> ((InvalidSettingException) ex).setting())
			.isEqualTo("keys.idle-timeout");
		assertThatThrownBy(() -> limiter(10, Duration.ofMinutes(1)).forKey(null))
			.isInstanceOf(NullPointerException.class);
	}

}
