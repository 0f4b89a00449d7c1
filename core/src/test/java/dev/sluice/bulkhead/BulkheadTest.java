package dev.sluice.bulkhead;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class BulkheadTest {

	private final Bulkhead bulkhead = Bulkhead.create("db",
			BulkheadConfig.ofPermits(5).withAcquireTimeout(Duration.ofMillis(100)));

	@Test
	void permitIsReleasedByTryWithResources() throws Exception {
		try (Bulkhead.Permit permit = this.bulkhead.acquire()) {
			assertThat(permit.count()).isEqualTo(1);
			assertThat(this.bulkhead.stats().inUse()).isEqualTo(1);
		}
		assertThat(this.bulkhead.stats().available()).isEqualTo(5);
	}

	@Test
	void permitIsReleasedWhenTheWorkThrows() {
		assertThatThrownBy(() -> {
			try (Bulkhead.Permit permit = this.bulkhead.acquire()) {
				throw new IllegalStateException("boom");
			}
		}).hasMessage("boom");
		assertThat(this.bulkhead.stats().available()).isEqualTo(5);
	}

	@Test
	void closingAPermitTwiceReleasesItOnce() throws Exception {
		Bulkhead.Permit permit = this.bulkhead.acquire(2, Duration.ZERO);
		permit.close();
		permit.close();
		assertThat(this.bulkhead.stats().available()).isEqualTo(5);
	}

	@Test
	void acquireTimesOutWhenEveryPermitStaysInUse() throws Exception {
		this.bulkhead.acquire(5, Duration.ZERO);
		long start = System.nanoTime();
		assertThatThrownBy(this.bulkhead::acquire).isInstanceOfSatisfying(BulkheadException.class, (ex) -> {
			assertThat(ex.reason()).isEqualTo(BulkheadException.Reason.FULL);
			assertThat(ex.bulkhead()).isEqualTo("db");
			assertThat(ex).hasMessageContaining("within PT0.1S");
		});
		assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
		BulkheadStats stats = this.bulkhead.stats();
		assertThat(stats.rejected()).isEqualTo(1);
		assertThat(stats.waited()).isEqualTo(1);
		assertThat(stats.waitTime()).isGreaterThanOrEqualTo(Duration.ofMillis(100));
	}

	@Test
	void tryAcquireNeverWaits() {
		assertThat(this.bulkhead.tryAcquire(5)).isPresent();
		assertThat(this.bulkhead.tryAcquire()).isEmpty();
	}

	@Test
	void weightedAcquireTakesSeveralPermitsAtOnce() throws Exception {
		Bulkhead.Permit three = this.bulkhead.acquire(3, Duration.ZERO);
		assertThat(this.bulkhead.tryAcquire(3)).isEmpty();
		assertThat(this.bulkhead.tryAcquire(2)).isPresent();
		three.close();
		assertThat(this.bulkhead.stats().available()).isEqualTo(3);
	}

	@Test
	void askingForMorePermitsThanExistFailsAtOnce() {
		assertThatThrownBy(() -> this.bulkhead.acquire(6, Duration.ofSeconds(10)))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessage("Bulkhead 'db' has 5 permits; 6 can never be acquired");
		assertThatThrownBy(() -> this.bulkhead.tryAcquire(0)).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void anInterruptedWaiterGivesUpAndLeaksNoPermit() throws Exception {
		Bulkhead.Permit all = this.bulkhead.acquire(5, Duration.ZERO);
		AtomicReference<Throwable> thrown = new AtomicReference<>();
		Thread waiter = new Thread(() -> {
			try {
				this.bulkhead.acquire(2, Duration.ofMinutes(1));
			}
			catch (Throwable ex) {
				thrown.set(ex);
			}
		});
		waiter.start();
		await().until(() -> this.bulkhead.stats().waiting() == 1);
		waiter.interrupt();
		waiter.join(10_000);
		assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
		all.close();
		assertThat(this.bulkhead.stats().available()).isEqualTo(5);
		assertThat(this.bulkhead.stats().inUse()).isZero();
	}

	@Test
	void raisingThePermitsLetsAWaiterIn() throws Exception {
		this.bulkhead.acquire(5, Duration.ZERO);
		AtomicReference<Bulkhead.Permit> got = new AtomicReference<>();
		Thread waiter = new Thread(() -> {
			try {
				got.set(this.bulkhead.acquire(1, Duration.ofMinutes(1)));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		waiter.start();
		await().until(() -> this.bulkhead.stats().waiting() == 1);
		this.bulkhead.setPermits(6);
		waiter.join(10_000);
		assertThat(got.get()).isNotNull();
		assertThat(this.bulkhead.permits()).isEqualTo(6);
	}

	@Test
	void loweringThePermitsTakesEffectAsPermitsComeBack() throws Exception {
		Bulkhead.Permit four = this.bulkhead.acquire(4, Duration.ZERO);
		this.bulkhead.setPermits(2);
		assertThat(this.bulkhead.tryAcquire()).isEmpty();
		four.close();
		assertThat(this.bulkhead.tryAcquire(2)).isPresent();
		assertThat(this.bulkhead.tryAcquire()).isEmpty();
		assertThatThrownBy(() -> this.bulkhead.setPermits(0)).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void shutdownWakesWaitersWithAClearException() throws Exception {
		this.bulkhead.acquire(5, Duration.ZERO);
		AtomicReference<Throwable> thrown = new AtomicReference<>();
		Thread waiter = new Thread(() -> {
			try {
				this.bulkhead.acquire(1, Duration.ofMinutes(1));
			}
			catch (Throwable ex) {
				thrown.set(ex);
			}
		});
		waiter.start();
		await().until(() -> this.bulkhead.stats().waiting() == 1);
		this.bulkhead.stopIntake();
		waiter.join(10_000);
		assertThat(thrown.get()).isInstanceOfSatisfying(BulkheadException.class,
				(ex) -> assertThat(ex.reason()).isEqualTo(BulkheadException.Reason.SHUT_DOWN));
		assertThatThrownBy(() -> this.bulkhead.tryAcquire()).isInstanceOf(BulkheadException.class)
			.hasMessage("Bulkhead 'db' is shut down and gives no more permits");
	}

	@Test
	void aFairBulkheadStillGivesAFreePermitToAnInterruptedThread() {
		Bulkhead fair = Bulkhead.create("fair", BulkheadConfig.ofPermits(2).withFair(true));
		Thread.currentThread().interrupt();
		try {
			assertThat(fair.tryAcquire()).isPresent();
		}
		finally {
			Thread.interrupted();
		}
	}

	@Test
	void callAndRunHoldAPermitWhileTheWorkRuns() throws Exception {
		assertThat(this.bulkhead.call(() -> this.bulkhead.stats().inUse())).isEqualTo(1);
		AtomicInteger seen = new AtomicInteger();
		this.bulkhead.run(() -> seen.set(this.bulkhead.stats().inUse()));
		assertThat(seen).hasValue(1);
		assertThat(this.bulkhead.stats().available()).isEqualTo(5);
	}

	@Test
	void invalidConfigurationIsRefusedWithItsName() {
		assertThatThrownBy(() -> BulkheadConfig.ofPermits(0)).hasMessage("permits must be at least 1, was 0");
		assertThatThrownBy(() -> BulkheadConfig.ofPermits(1).withAcquireTimeout(Duration.ofMillis(-1)))
			.hasMessageStartingWith("acquire-timeout must be a duration of zero or more");
	}

	@Test
	void stressPermitsNeverExceedTheLimitAndAllComeBack() throws Exception {
		for (boolean fair : new boolean[] { false, true }) {
			Bulkhead limited = Bulkhead.create("stress", BulkheadConfig.ofPermits(5).withFair(fair));
			AtomicInteger inUse = new AtomicInteger();
			AtomicInteger maxInUse = new AtomicInteger();
			AtomicInteger granted = new AtomicInteger();
			List<Thread> threads = new ArrayList<>();
			List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
			CountDownLatch go = new CountDownLatch(1);
			for (int t = 0; t < 8; t++) {
				Thread thread = new Thread(() -> {
					try {
						go.await();
						for (int i = 0; i < 2_000; i++) {
							int weight = ThreadLocalRandom.current().nextInt(1, 4);
							try (Bulkhead.Permit permit = limited.acquire(weight, Duration.ofSeconds(60))) {
								maxInUse.accumulateAndGet(inUse.addAndGet(weight), Math::max);
								granted.incrementAndGet();
								if (i % 100 == 0) {
									Thread.yield();
								}
								inUse.addAndGet(-weight);
							}
						}
					}
					catch (Throwable ex) {
						errors.add(ex);
					}
				});
				threads.add(thread);
				thread.start();
			}
			go.countDown();
			for (Thread thread : threads) {
				thread.join(60_000);
			}
			assertThat(errors).isEmpty();
			assertThat(granted).hasValue(8 * 2_000);
			assertThat(maxInUse.get()).isBetween(1, 5);
			assertThat(limited.stats().available()).isEqualTo(5);
			assertThat(limited.stats().inUse()).isZero();
		}
	}

	@Test
	void shutdownWakesTheWaitersOfTheLargestBulkheadWithoutOverflow() throws Exception {
		Bulkhead huge = Bulkhead.create("huge", BulkheadConfig.ofPermits(Integer.MAX_VALUE));
		Bulkhead.Permit all = huge.acquire(Integer.MAX_VALUE, Duration.ZERO);
		AtomicReference<Throwable> waiter = new AtomicReference<>();
		Thread waiting = new Thread(() -> {
			try {
				huge.acquire(1, Duration.ofSeconds(30)).close();
			}
			catch (Throwable ex) {
				waiter.set(ex);
			}
		});
		waiting.start();
		await().until(() -> huge.stats().waiting() == 1);
		huge.stopIntake();
		waiting.join(10_000);
		assertThat(waiter.get()).isInstanceOfSatisfying(BulkheadException.class,
				(ex) -> assertThat(ex.reason()).isEqualTo(BulkheadException.Reason.SHUT_DOWN));
		all.close();
		assertThatThrownBy(huge::tryAcquire).isInstanceOf(BulkheadException.class);
	}

	@Test
	void aLimitRaisedToTheMaximumShutsDownAndTakesPermitsBackWithoutOverflow() throws Exception {
		Bulkhead raised = Bulkhead.create("raised", BulkheadConfig.ofPermits(1));
		Bulkhead.Permit one = raised.acquire();
		raised.setPermits(Integer.MAX_VALUE);
		Bulkhead.Permit many = raised.acquire(Integer.MAX_VALUE - 1, Duration.ZERO);
		raised.stopIntake();
		one.close();
		many.close();
		assertThat(raised.stats().shutdown()).isTrue();
		assertThatThrownBy(() -> raised.acquire(1, Duration.ofMillis(10))).isInstanceOf(BulkheadException.class);
	}

}
