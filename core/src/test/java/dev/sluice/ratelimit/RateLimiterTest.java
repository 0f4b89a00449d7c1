package dev.sluice.ratelimit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The token-bucket semantics on a fake clock: 10 per second with a burst of 5 maps onto
 * resilience4j as 5 permits every 500ms.
 */
class RateLimiterTest {

	private final AtomicLong now = new AtomicLong(1_000_000_000L);

	private final RateLimiter limiter = RateLimiter.create("partner",
			new RateLimitConfig(10, Duration.ofSeconds(1), 5, Duration.ZERO), this.now::get);

	private void advance(Duration duration) {
		this.now.addAndGet(duration.toNanos());
	}

	private int drain() {
		int taken = 0;
		while (this.limiter.tryAcquire()) {
			taken++;
		}
		return taken;
	}

	@Test
	void rateAndBurstMapOntoLimitForPeriodAndRefreshPeriod() {
		assertThat(new RateLimitConfig(100, Duration.ofSeconds(1), 20, Duration.ZERO).refreshPeriod())
			.isEqualTo(Duration.ofMillis(200));
		assertThat(RateLimitConfig.perSecond(50).refreshPeriod()).isEqualTo(Duration.ofSeconds(1));
		assertThat(new RateLimitConfig(3, Duration.ofMinutes(1), 1, Duration.ZERO).refreshPeriod())
			.isEqualTo(Duration.ofSeconds(20));
	}

	@Test
	void aFullBurstIsAvailableAtOnceThenNothingUntilTheNextPeriod() {
		assertThat(drain()).isEqualTo(5);
		advance(Duration.ofMillis(499));
		assertThat(this.limiter.tryAcquire()).isFalse();
		advance(Duration.ofMillis(1));
		assertThat(drain()).isEqualTo(5);
	}

	@Test
	void theAverageRateHoldsOverManyPeriods() {
		int taken = 0;
		for (int ms = 0; ms < 10_000; ms += 10) {
			taken += drain();
			advance(Duration.ofMillis(10));
		}
		assertThat(taken).isEqualTo(100);
	}

	@Test
	void unusedPermitsDoNotAccumulateBeyondTheBurst() {
		advance(Duration.ofSeconds(10));
		assertThat(drain()).isEqualTo(5);
	}

	@Test
	void unlikeATokenBucketPermitsComeBackAllAtOnceNotOneByOne() {
		assertThat(drain()).isEqualTo(5);
		// a token bucket refilling at 10/s would hold one token after 100ms
		advance(Duration.ofMillis(100));
		assertThat(this.limiter.tryAcquire()).isFalse();
		advance(Duration.ofMillis(400));
		assertThat(drain()).isEqualTo(5);
	}

	@Test
	void unlikeATokenBucketTwoBurstsCanStraddleAPeriodBoundary() {
		advance(Duration.ofMillis(499));
		int beforeBoundary = drain();
		advance(Duration.ofMillis(1));
		int afterBoundary = drain();
		// a token bucket would allow 5 here (5 plus 1ms of refill); this limiter allows 2
		// × burst
		assertThat(beforeBoundary + afterBoundary).isEqualTo(10);
	}

	@Test
	void severalPermitsAtOnce() {
		assertThat(this.limiter.tryAcquire(3)).isTrue();
		assertThat(this.limiter.tryAcquire(3)).isFalse();
		assertThat(this.limiter.tryAcquire(2)).isTrue();
		assertThatThrownBy(() -> this.limiter.tryAcquire(6)).isInstanceOf(IllegalArgumentException.class)
			.hasMessage("permits must be between 1 and the burst of 5, was 6");
	}

	@Test
	void aRefusalSaysWhenTheNextPermitComes() {
		drain();
		advance(Duration.ofMillis(200));
		assertThat(this.limiter.timeToNextPermit()).isEqualTo(Duration.ofMillis(300));
		assertThatThrownBy(() -> this.limiter.acquire(1, Duration.ofMillis(100)))
			.isInstanceOfSatisfying(RateLimitExceededException.class, (ex) -> {
				assertThat(ex.reason()).isEqualTo(RateLimitExceededException.Reason.LIMITED);
				assertThat(ex.retryAfter()).isEqualTo(Duration.ofMillis(300));
				assertThat(ex.limiter()).isEqualTo("partner");
			});
		// the drain's last try and this acquire
		assertThat(this.limiter.stats().rejected()).isEqualTo(2);
	}

	@Test
	void decoratorsTakeAPermitBeforeEachCall() throws Exception {
		Supplier<String> supplier = this.limiter.decorateSupplier(() -> "quote");
		for (int i = 0; i < 5; i++) {
			assertThat(supplier.get()).isEqualTo("quote");
		}
		assertThatThrownBy(supplier::get).isInstanceOf(RateLimitExceededException.class);
		assertThatThrownBy(() -> this.limiter.decorateRunnable(() -> {
		}).run()).isInstanceOf(RateLimitExceededException.class);
		assertThatThrownBy(() -> this.limiter.decorateCallable(() -> 1).call())
			.isInstanceOf(RateLimitExceededException.class);
		advance(Duration.ofMillis(500));
		assertThat(this.limiter.decorateCallable(() -> 1).call()).isEqualTo(1);
	}

	@Test
	void changingTheRateTakesEffectAtOnce() {
		drain();
		this.limiter.setRate(20);
		assertThat(this.limiter.config().refreshPeriod()).isEqualTo(Duration.ofMillis(250));
		assertThat(drain()).isEqualTo(5);
		advance(Duration.ofMillis(250));
		assertThat(drain()).isEqualTo(5);
	}

	@Test
	void aWaitingCallerGetsThePermitWhenTheNextPeriodBegins() throws Exception {
		RateLimiter real = RateLimiter.create("real",
				new RateLimitConfig(20, Duration.ofSeconds(1), 1, Duration.ofSeconds(5)));
		long start = System.nanoTime();
		real.acquire();
		real.acquire();
		real.acquire();
		// one permit per 50ms period: the third comes a whole period after the second
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(50))
			.isLessThan(Duration.ofSeconds(5));
		assertThat(real.stats().rejected()).isZero();
	}

	/** A limiter whose one permit is taken, and a thread already waiting for the next. */
	private static Thread waiterOnAnEmptyLimiter(RateLimiter slow, AtomicReference<Throwable> thrown)
			throws InterruptedException {
		slow.acquire();
		Thread waiter = new Thread(() -> {
			try {
				slow.acquire();
			}
			catch (Throwable ex) {
				thrown.set(ex);
			}
		});
		waiter.start();
		await().until(() -> slow.stats().waiting() == 1);
		return waiter;
	}

	private static RateLimiter onePerTenSeconds() {
		return RateLimiter.create("slow", new RateLimitConfig(1, Duration.ofSeconds(10), 1, Duration.ofMinutes(1)));
	}

	@Test
	void anInterruptedWaiterThrows() throws Exception {
		AtomicReference<Throwable> thrown = new AtomicReference<>();
		Thread waiter = waiterOnAnEmptyLimiter(onePerTenSeconds(), thrown);
		waiter.interrupt();
		waiter.join(10_000);
		assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
	}

	@Test
	void shutdownWakesWaitersWithAClearException() throws Exception {
		RateLimiter slow = onePerTenSeconds();
		AtomicReference<Throwable> thrown = new AtomicReference<>();
		Thread waiter = waiterOnAnEmptyLimiter(slow, thrown);
		slow.stopIntake();
		waiter.join(10_000);
		assertThat(thrown.get()).isInstanceOfSatisfying(RateLimitExceededException.class,
				(ex) -> assertThat(ex.reason()).isEqualTo(RateLimitExceededException.Reason.SHUT_DOWN));
		assertThatThrownBy(slow::tryAcquire).isInstanceOf(RateLimitExceededException.class)
			.hasMessage("Rate limiter 'slow' is shut down and gives no more permits");
	}

	@Test
	void invalidConfigurationIsRefusedWithItsName() {
		assertThatThrownBy(() -> new RateLimitConfig(0, Duration.ofSeconds(1), 1, Duration.ZERO))
			.hasMessage("rate must be at least 1, was 0");
		assertThatThrownBy(() -> new RateLimitConfig(1, Duration.ZERO, 1, Duration.ZERO))
			.hasMessageStartingWith("per must be a positive duration");
		assertThatThrownBy(() -> new RateLimitConfig(1, Duration.ofSeconds(1), 0, Duration.ZERO))
			.hasMessage("burst must be at least 1, was 0");
		assertThatThrownBy(() -> new RateLimitConfig(1, Duration.ofSeconds(1), 1, Duration.ofSeconds(-1)))
			.hasMessageStartingWith("timeout must be a duration of zero or more");
	}

}
