package dev.sluice.bulkhead;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sluice.KeyLimits;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Per-key semaphores ({@link Bulkhead#forKey}). */
class KeyedBulkheadTest {

	private static Bulkhead bulkhead(int permits, int maxKeys, Duration idle) {
		return Bulkhead.create("db", BulkheadConfig.ofPermits(permits), new KeyLimits(maxKeys, idle));
	}

	@Test
	void twoKeysHaveIndependentPermits() {
		Bulkhead bulkhead = bulkhead(2, 100, Duration.ofMinutes(1));
		Optional<Bulkhead.Permit> a1 = bulkhead.forKey("a").tryAcquire();
		Optional<Bulkhead.Permit> a2 = bulkhead.forKey("a").tryAcquire();
		assertThat(a1).isPresent();
		assertThat(a2).isPresent();
		assertThat(bulkhead.forKey("a").tryAcquire()).isEmpty();
		assertThat(bulkhead.forKey("b").tryAcquire(2)).isPresent();
		assertThat(bulkhead.tryAcquire(2)).isPresent();
		a1.get().close();
		assertThat(bulkhead.forKey("a").tryAcquire()).isPresent();
		BulkheadStats stats = bulkhead.stats();
		assertThat(stats.keys()).isEqualTo(2);
		assertThat(stats.rejected()).isEqualTo(1);
		assertThat(bulkhead.forKey("a").key()).contains("a");
	}

	@Test
	void aKeyWithPermitsHeldIsNeverEvicted() {
		Bulkhead bulkhead = bulkhead(1, 10, Duration.ofHours(1));
		Bulkhead busy = bulkhead.forKey("busy");
		Bulkhead.Permit held = busy.tryAcquire().orElseThrow();
		for (int i = 0; i < 1_000; i++) {
			bulkhead.forKey("k" + i).tryAcquire().orElseThrow().close();
			assertThat(bulkhead.keyCount()).isLessThanOrEqualTo(11);
		}
		// still the same semaphore, still full: one key never has two
		assertThat(bulkhead.forKey("busy")).isSameAs(busy);
		assertThat(bulkhead.forKey("busy").tryAcquire()).isEmpty();
		held.close();
		assertThat(bulkhead.forKey("busy").tryAcquire()).isPresent();
	}

	@Test
	void idleKeysAreEvicted() {
		Bulkhead bulkhead = bulkhead(1, 100, Duration.ofMillis(50));
		Bulkhead a = bulkhead.forKey("a");
		bulkhead.forKey("b");
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
			bulkhead.forKey("c");
			assertThat(bulkhead.keyCount()).isEqualTo(1);
		});
		assertThat(bulkhead.forKey("a")).isNotSameAs(a);
	}

	@Test
	void anEvictedKeysSemaphorePassesAcquiresToTheKeysCurrentOne() throws Exception {
		Bulkhead bulkhead = bulkhead(1, 1, Duration.ofHours(1));
		Bulkhead a = bulkhead.forKey("a");
		bulkhead.forKey("b");
		assertThat(bulkhead.keyCount()).isEqualTo(1);
		try (Bulkhead.Permit permit = a.acquire()) {
			// the permit is the key's current semaphore's
			assertThat(bulkhead.forKey("a").tryAcquire()).isEmpty();
			assertThat(a.tryAcquire()).isEmpty();
		}
		assertThat(bulkhead.forKey("a").call(() -> "ran")).isEqualTo("ran");
		assertThat(a.call(() -> "ran too")).isEqualTo("ran too");
		assertThat(bulkhead.forKey("a").tryAcquire()).isPresent();
	}

	@Test
	void newLimitsReachEveryKey() {
		Bulkhead bulkhead = bulkhead(1, 100, Duration.ofHours(1));
		Bulkhead a = bulkhead.forKey("a");
		a.setPermits(3);
		assertThat(bulkhead.permits()).isEqualTo(3);
		assertThat(a.permits()).isEqualTo(3);
		assertThat(bulkhead.forKey("b").permits()).isEqualTo(3);
	}

	@Test
	void shutdownRefusesEveryKeyAndWakesItsWaiters() throws Exception {
		Bulkhead bulkhead = Bulkhead.create("db",
				BulkheadConfig.ofPermits(1).withAcquireTimeout(Duration.ofMinutes(1)));
		Bulkhead a = bulkhead.forKey("a");
		Bulkhead.Permit held = a.acquire();
		ExecutorService executor = Executors.newSingleThreadExecutor();
		try {
			Future<?> waiter = executor.submit(() -> a.acquire());
			await().until(() -> a.stats().waiting() == 1);
			bulkhead.stopIntake();
			assertThatThrownBy(() -> waiter.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(BulkheadException.class)
				.cause()
				.extracting((ex) -> ((BulkheadException) ex).reason())
				.isEqualTo(BulkheadException.Reason.SHUT_DOWN);
		}
		finally {
			executor.shutdownNow();
		}
		held.close();
		assertThatThrownBy(() -> bulkhead.forKey("b").acquire()).isInstanceOf(BulkheadException.class);
	}

	@Test
	void underChurnNoKeyEverRunsMoreThanItsPermits() throws Exception {
		// few keys kept, so that keys are evicted all the time while others hold permits
		Bulkhead bulkhead = Bulkhead.create("db", BulkheadConfig.ofPermits(2), new KeyLimits(2, Duration.ofHours(1)));
		int keys = 6;
		AtomicInteger[] running = new AtomicInteger[keys];
		for (int i = 0; i < keys; i++) {
			running[i] = new AtomicInteger();
		}
		AtomicInteger worst = new AtomicInteger();
		AtomicInteger ran = new AtomicInteger();
		ExecutorService executor = Executors.newFixedThreadPool(8);
		CountDownLatch start = new CountDownLatch(1);
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (int t = 0; t < 8; t++) {
				int thread = t;
				futures.add(executor.submit(() -> {
					start.await();
					for (int i = 0; i < 5_000; i++) {
						int key = (thread + i) % keys;
						Optional<Bulkhead.Permit> permit = bulkhead.forKey("k" + key).tryAcquire();
						if (permit.isEmpty()) {
							continue;
						}
						try (Bulkhead.Permit held = permit.get()) {
							int now = running[key].incrementAndGet();
							worst.accumulateAndGet(now, Math::max);
							Thread.yield();
							running[key].decrementAndGet();
							ran.incrementAndGet();
						}
					}
					return null;
				}));
			}
			start.countDown();
			for (Future<?> future : futures) {
				future.get(60, TimeUnit.SECONDS);
			}
		}
		finally {
			executor.shutdownNow();
		}
		assertThat(worst.get()).isLessThanOrEqualTo(2);
		assertThat(ran.get()).isPositive();
	}

}
