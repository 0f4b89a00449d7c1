package dev.sluice.eventbus;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import dev.sluice.LogRecords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class EventBusTest {

	private final EventBus bus = EventBus.create("test-bus", 2);

	private final CountDownLatch release = new CountDownLatch(1);

	@AfterEach
	void close() {
		this.release.countDown();
		this.bus.close();
	}

	private void hold(Object event) {
		try {
			this.release.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * A subscriber whose handler is held until release, with a buffer of 2 and the given
	 * policy.
	 */
	private Subscription heldSubscriber(String name, BufferOverflow overflow, List<Object> received,
			CountDownLatch holding) {
		return heldSubscriber(name, overflow, received, holding, Duration.ofMillis(100));
	}

	private Subscription heldSubscriber(String name, BufferOverflow overflow, List<Object> received,
			CountDownLatch holding, Duration publishTimeout) {
		return this.bus.subscribe("t", Integer.class, (event) -> {
			if (event == 0) {
				holding.countDown();
				hold(event);
			}
			received.add(event);
		}, SubscriberOptions.named(name).withBuffer(2).withOverflow(overflow).withPublishTimeout(publishTimeout));
	}

	@Test
	void eachSubscriberReceivesOnePublishersEventsInOrder() throws Exception {
		List<Integer> first = new CopyOnWriteArrayList<>();
		List<Integer> second = new CopyOnWriteArrayList<>();
		this.bus.subscribe("numbers", Integer.class, first::add,
				SubscriberOptions.named("first")
					.withBuffer(16)
					.withOverflow(BufferOverflow.BLOCK)
					.withPublishTimeout(Duration.ofSeconds(10)));
		this.bus.subscribe("numbers", Integer.class, second::add,
				SubscriberOptions.named("second")
					.withBuffer(16)
					.withOverflow(BufferOverflow.BLOCK)
					.withPublishTimeout(Duration.ofSeconds(10)));
		for (int i = 0; i < 10_000; i++) {
			this.bus.publish("numbers", i);
		}
		await().until(() -> first.size() == 10_000 && second.size() == 10_000);
		assertThat(first).isSorted();
		assertThat(second).isSorted();
	}

	@Test
	void onlyEventsOfTheSubscribedTypeArrive() throws Exception {
		List<Object> strings = new CopyOnWriteArrayList<>();
		this.bus.subscribe("mixed", String.class, strings::add);
		PublishResult ignored = this.bus.publish("mixed", 42);
		this.bus.publish("mixed", "hello");
		await().until(() -> strings.size() == 1);
		assertThat(strings).containsExactly("hello");
		assertThat(ignored.subscribers()).isZero();
		assertThat(this.bus.publish("nobody", "x")).isEqualTo(new PublishResult(0, 0, 0, 0));
	}

	@Test
	void dropNewestDropsTheNewEventAndSaysSo() throws Exception {
		List<Object> received = new CopyOnWriteArrayList<>();
		CountDownLatch holding = new CountDownLatch(1);
		Subscription subscription = heldSubscriber("newest", BufferOverflow.DROP_NEWEST, received, holding);
		this.bus.publish("t", 0);
		assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
		this.bus.publish("t", 1);
		this.bus.publish("t", 2);
		PublishResult dropped = this.bus.publish("t", 3);
		assertThat(dropped.droppedNewest()).isEqualTo(1);
		assertThat(dropped.queued()).isZero();
		this.release.countDown();
		await().until(() -> received.size() == 3);
		assertThat(received).containsExactly(0, 1, 2);
		assertThat(subscription.stats().droppedNewest()).isEqualTo(1);
	}

	@Test
	void dropOldestMakesRoomByDroppingTheOldestQueuedEvent() throws Exception {
		List<Object> received = new CopyOnWriteArrayList<>();
		CountDownLatch holding = new CountDownLatch(1);
		Subscription subscription = heldSubscriber("oldest", BufferOverflow.DROP_OLDEST, received, holding);
		this.bus.publish("t", 0);
		assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
		this.bus.publish("t", 1);
		this.bus.publish("t", 2);
		PublishResult result = this.bus.publish("t", 3);
		assertThat(result.droppedOldest()).isEqualTo(1);
		assertThat(result.queued()).isEqualTo(1);
		this.release.countDown();
		await().until(() -> received.size() == 3);
		assertThat(received).containsExactly(0, 2, 3);
		assertThat(subscription.stats().droppedOldest()).isEqualTo(1);
	}

	@Test
	void failRefusesThePublishButStillQueuesForTheOthers() throws Exception {
		List<Object> strict = new CopyOnWriteArrayList<>();
		List<Object> relaxed = new CopyOnWriteArrayList<>();
		CountDownLatch holding = new CountDownLatch(1);
		heldSubscriber("strict", BufferOverflow.FAIL, strict, holding);
		this.bus.subscribe("t", Integer.class, relaxed::add, SubscriberOptions.named("relaxed"));
		this.bus.publish("t", 0);
		assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
		this.bus.publish("t", 1);
		this.bus.publish("t", 2);
		assertThatThrownBy(() -> this.bus.publish("t", 3)).isInstanceOfSatisfying(EventRejectedException.class,
				(ex) -> {
					assertThat(ex.subscribers()).containsExactly("strict");
					assertThat(ex.topic()).isEqualTo("t");
				});
		await().until(() -> relaxed.size() == 4);
	}

	@Test
	void blockMakesThePublisherWaitThenFailsAfterTheTimeout() throws Exception {
		List<Object> received = new CopyOnWriteArrayList<>();
		CountDownLatch holding = new CountDownLatch(1);
		Subscription subscription = heldSubscriber("blocking", BufferOverflow.BLOCK, received, holding,
				Duration.ofSeconds(2));
		this.bus.publish("t", 0);
		assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
		this.bus.publish("t", 1);
		this.bus.publish("t", 2);
		long start = System.nanoTime();
		assertThatThrownBy(() -> this.bus.publish("t", 3)).isInstanceOf(EventRejectedException.class);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
		// with room, the publisher that waited gets through
		AtomicReference<PublishResult> late = new AtomicReference<>();
		Thread publisher = new Thread(() -> {
			try {
				late.set(this.bus.publish("t", 4));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		publisher.start();
		await().until(() -> publisher.getState() == Thread.State.TIMED_WAITING);
		this.release.countDown();
		publisher.join(10_000);
		assertThat(late.get()).isNotNull();
		await().until(() -> received.size() == 4);
		assertThat(received).containsExactly(0, 1, 2, 4);
		assertThat(subscription.stats().rejected()).isEqualTo(1);
	}

	@Test
	void unsubscribingStopsDelivery() throws Exception {
		List<Object> received = new CopyOnWriteArrayList<>();
		Subscription subscription = this.bus.subscribe("t", Object.class, received::add);
		this.bus.publish("t", "before");
		await().until(() -> received.size() == 1);
		subscription.close();
		assertThat(this.bus.publish("t", "after").subscribers()).isZero();
		assertThat(received).containsExactly("before");
		subscription.close();
	}

	@Test
	void aThrowingSubscriberIsIsolated() throws Exception {
		AtomicInteger good = new AtomicInteger();
		AtomicInteger calls = new AtomicInteger();
		Subscription bad = this.bus.subscribe("t", Integer.class, (event) -> {
			calls.incrementAndGet();
			if (event % 2 == 0) {
				throw new IllegalStateException("even");
			}
		}, SubscriberOptions.named("bad"));
		this.bus.subscribe("t", Integer.class, (event) -> good.incrementAndGet(), SubscriberOptions.named("good"));
		for (int i = 0; i < 10; i++) {
			this.bus.publish("t", i);
		}
		await().until(() -> good.get() == 10 && calls.get() == 10);
		await().until(() -> bad.stats().failed() == 5 && bad.stats().delivered() == 5);
	}

	@Test
	void tenThousandSubscribersAreServedByTheDispatcherThreadsAlone() throws Exception {
		AtomicInteger received = new AtomicInteger();
		java.util.Set<String> deliveringThreads = java.util.concurrent.ConcurrentHashMap.newKeySet();
		for (int i = 0; i < 10_000; i++) {
			this.bus.subscribe("fan", Integer.class, (event) -> {
				deliveringThreads.add(Thread.currentThread().getName());
				received.incrementAndGet();
			}, SubscriberOptions.named("s" + i).withBuffer(4));
		}
		for (int i = 0; i < 3; i++) {
			this.bus.publish("fan", i);
		}
		await().until(() -> received.get() == 30_000);
		// every delivery ran on the bus's own dispatcher threads, of which there are two
		assertThat(deliveringThreads).hasSizeLessThanOrEqualTo(this.bus.dispatchers())
			.allSatisfy((name) -> assertThat(name).startsWith("sluice-test-bus-"));
	}

	@Test
	void theAccountingHoldsExactlyUnderPublishersChurnAndSlowSubscribers() throws Exception {
		List<Subscription> live = new CopyOnWriteArrayList<>();
		List<SubscriberStats> closedStats = new CopyOnWriteArrayList<>();
		BufferOverflow[] policies = { BufferOverflow.DROP_NEWEST, BufferOverflow.DROP_OLDEST, BufferOverflow.FAIL,
				BufferOverflow.BLOCK };
		AtomicInteger names = new AtomicInteger();
		for (int i = 0; i < 8; i++) {
			live.add(subscribeRandom(policies[i % policies.length], names.incrementAndGet()));
		}
		List<Thread> threads = new ArrayList<>();
		long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
		for (int p = 0; p < 3; p++) {
			threads.add(new Thread(() -> {
				int n = 0;
				while (System.nanoTime() < end) {
					try {
						this.bus.publish("stress", n++);
					}
					catch (EventRejectedException ex) {
						// fail and block subscribers refuse; counted on their side
					}
					catch (InterruptedException ex) {
						return;
					}
				}
			}));
		}
		threads.add(new Thread(() -> {
			int round = 0;
			while (System.nanoTime() < end) {
				Subscription gone = live.remove(0);
				gone.close();
				closedStats.add(gone.stats());
				live.add(subscribeRandom(policies[round++ % policies.length], names.incrementAndGet()));
				Thread.onSpinWait();
			}
		}));
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		threads.forEach((thread) -> thread.setUncaughtExceptionHandler((t, ex) -> errors.add(ex)));
		threads.forEach(Thread::start);
		int checks = 0;
		while (System.nanoTime() < end) {
			for (Subscription subscription : live) {
				assertBalanced(subscription.stats());
				checks++;
			}
			Thread.yield();
		}
		assertThat(checks).isPositive();
		for (Thread thread : threads) {
			thread.join(30_000);
		}
		assertThat(errors).isEmpty();
		closedStats.forEach(this::assertBalanced);
		for (Subscription subscription : live) {
			assertBalanced(subscription.stats());
		}
		await().until(() -> live.stream().allMatch((s) -> s.stats().queued() == 0));
		for (Subscription subscription : live) {
			SubscriberStats stats = subscription.stats();
			assertBalanced(stats);
			assertThat(stats.offered()).isEqualTo(stats.delivered() + stats.failed() + stats.dropped());
		}
	}

	private Subscription subscribeRandom(BufferOverflow policy, int name) {
		return this.bus.subscribe("stress", Integer.class, (event) -> {
			if (event % 97 == 0) {
				throw new IllegalStateException("sometimes");
			}
			if (name % 3 == 0) {
				Thread.onSpinWait();
			}
		}, SubscriberOptions.named("sub-" + name)
			.withBuffer(8)
			.withOverflow(policy)
			.withPublishTimeout(Duration.ofMillis(1)));
	}

	private void assertBalanced(SubscriberStats stats) {
		assertThat(stats.offered()).as("%s", stats)
			.isEqualTo(stats.delivered() + stats.dropped() + stats.failed() + stats.queued());
	}

	@Test
	void shutdownDeliversWhatIsQueuedAndRefusesNewEvents() throws Exception {
		List<Object> received = new CopyOnWriteArrayList<>();
		this.bus.subscribe("t", Integer.class, (event) -> {
			try {
				Thread.sleep(1);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			received.add(event);
		}, SubscriberOptions.named("slow").withBuffer(100));
		for (int i = 0; i < 50; i++) {
			this.bus.publish("t", i);
		}
		this.bus.stopIntake();
		assertThatThrownBy(() -> this.bus.publish("t", 99)).isInstanceOf(EventRejectedException.class)
			.hasMessageContaining("shut down");
		assertThat(this.bus.awaitDrained(Duration.ofSeconds(30))).isTrue();
		assertThat(received).hasSize(50);
	}

	@Test
	void abandoningReportsAndCountsWhatCouldNotBeDelivered() throws Exception {
		List<Object> received = new CopyOnWriteArrayList<>();
		CountDownLatch holding = new CountDownLatch(1);
		Subscription subscription = heldSubscriber("stuck", BufferOverflow.DROP_NEWEST, received, holding);
		this.bus.publish("t", 0);
		assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
		this.bus.publish("t", 1);
		this.bus.publish("t", 2);
		this.bus.stopIntake();
		assertThat(this.bus.awaitDrained(Duration.ofMillis(50))).isFalse();
		assertThat(this.bus.abandonRemaining()).isEqualTo(3);
		SubscriberStats stats = subscription.stats();
		assertThat(stats.discarded()).isEqualTo(2);
		assertBalanced(stats);
	}

	@Test
	void aHandlerThatPublishesUnderBlockIsNeverMadeToWait() throws Exception {
		EventBus single = EventBus.create("single", 1);
		try {
			CountDownLatch release = new CountDownLatch(1);
			single.subscribe("sink", Integer.class, (event) -> {
				try {
					release.await(30, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}, SubscriberOptions.named("sink")
				.withBuffer(1)
				.withOverflow(BufferOverflow.BLOCK)
				.withPublishTimeout(Duration.ofSeconds(30)));
			AtomicReference<Throwable> relayed = new AtomicReference<>();
			single.subscribe("source", Integer.class, (event) -> {
				try {
					for (int i = 0; i < 3; i++) {
						single.publish("sink", i);
					}
				}
				catch (Throwable ex) {
					relayed.set(ex);
				}
			}, SubscriberOptions.named("relay"));
			long start = System.nanoTime();
			single.publish("source", 1);
			await().until(() -> relayed.get() != null);
			assertThat(relayed.get()).isInstanceOf(EventRejectedException.class);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
			release.countDown();
		}
		finally {
			single.close();
		}
	}

	@Test
	void aPublishRacingShutdownIsEitherRefusedOrDelivered() throws Exception {
		for (int round = 0; round < 50; round++) {
			EventBus racing = EventBus.create("race", 1);
			AtomicInteger received = new AtomicInteger();
			racing.subscribe("t", Integer.class, (event) -> received.incrementAndGet(), SubscriberOptions.named("s"));
			AtomicInteger accepted = new AtomicInteger();
			Thread publisher = new Thread(() -> {
				for (int i = 0; i < 1000; i++) {
					try {
						racing.publish("t", i);
						accepted.incrementAndGet();
					}
					catch (EventRejectedException | InterruptedException ex) {
						return;
					}
				}
			});
			publisher.start();
			racing.stopIntake();
			assertThat(racing.awaitDrained(Duration.ofSeconds(10))).isTrue();
			publisher.join(10_000);
			assertThat(received.get()).isEqualTo(accepted.get());
			racing.close();
		}
	}

	@Test
	void invalidOptionsAreRefusedWithTheirName() {
		assertThatThrownBy(() -> SubscriberOptions.named("x").withBuffer(0))
			.hasMessage("buffer must be at least 1, was 0");
		assertThatThrownBy(() -> SubscriberOptions.named(" ")).hasMessage("name must not be blank");
		this.bus.subscribe("t", Object.class, (e) -> {
		}, SubscriberOptions.named("dup"));
		assertThatThrownBy(() -> this.bus.subscribe("t", Object.class, (e) -> {
		}, SubscriberOptions.named("dup"))).hasMessageContaining("already has a subscriber named 'dup'");
	}

	@Test
	void aPublisherWaitingForASubscriberThatLeavesIsNotRefused() throws Exception {
		List<Object> received = new CopyOnWriteArrayList<>();
		CountDownLatch holding = new CountDownLatch(1);
		Subscription leaving = heldSubscriber("leaving", BufferOverflow.BLOCK, received, holding,
				Duration.ofSeconds(30));
		this.bus.publish("t", 0);
		holding.await();
		this.bus.publish("t", 1);
		this.bus.publish("t", 2);
		AtomicReference<Object> outcome = new AtomicReference<>();
		Thread publisher = new Thread(() -> {
			try {
				outcome.set(this.bus.publish("t", 3));
			}
			catch (Throwable ex) {
				outcome.set(ex);
			}
		});
		publisher.start();
		await().until(() -> publisher.getState() == Thread.State.TIMED_WAITING);
		leaving.close();
		publisher.join(10_000);
		assertThat(outcome.get()).isEqualTo(new PublishResult(0, 0, 0, 0));
		SubscriberStats stats = leaving.stats();
		assertThat(stats.rejected()).isZero();
		assertThat(stats.offered()).isEqualTo(3);
	}

	@Test
	void shutdownWaitsForAndCountsTheEventsInHandOfASubscriberThatLeft() throws Exception {
		List<Object> received = new CopyOnWriteArrayList<>();
		CountDownLatch holding = new CountDownLatch(1);
		Subscription leaving = heldSubscriber("leaving", BufferOverflow.DROP_OLDEST, received, holding);
		this.bus.publish("t", 0);
		holding.await();
		this.bus.publish("t", 1);
		this.bus.publish("t", 2);
		// the drain takes 1 and 2 in hand only after 0 is delivered; until then they wait
		// in the buffer
		leaving.close();
		assertThat(leaving.stats().queued()).as("0 is still being handled").isEqualTo(1);
		this.bus.stopIntake();
		assertThat(this.bus.awaitDrained(Duration.ofMillis(100))).as("0 is still in hand").isFalse();
		assertThat(this.bus.abandonRemaining()).isEqualTo(1);
		this.release.countDown();
		await().until(() -> leaving.stats().queued() == 0);
		SubscriberStats stats = leaving.stats();
		assertThat(stats.offered()).isEqualTo(3);
		assertThat(stats.delivered() + stats.discarded()).isEqualTo(3);
	}

	@Test
	void aDrainWaitsUntilASubscriberThatLeftHasSettledItsEvents() throws Exception {
		List<Object> received = new CopyOnWriteArrayList<>();
		CountDownLatch holding = new CountDownLatch(1);
		Subscription leaving = heldSubscriber("leaving", BufferOverflow.DROP_OLDEST, received, holding);
		this.bus.publish("t", 0);
		holding.await();
		leaving.close();
		this.bus.stopIntake();
		assertThat(this.bus.awaitDrained(Duration.ofMillis(100))).isFalse();
		this.release.countDown();
		assertThat(this.bus.awaitDrained(Duration.ofSeconds(10))).isTrue();
		assertThat(leaving.stats().queued()).isZero();
		assertThat(received).containsExactly(0);
	}

	@Test
	void aSubscriberThatLeftWithAnEventInHandIsForgottenOnceItSettles() throws Exception {
		WeakReference<Object> handler = subscribeAndLeaveWithAnEventInHand();
		// it left and settled: nothing of it should stay reachable from a bus that keeps
		// running
		await().atMost(Duration.ofSeconds(5)).until(() -> {
			System.gc();
			return handler.get() == null;
		});
	}

	/** A per-request subscription, say, closed while its handler runs. */
	private WeakReference<Object> subscribeAndLeaveWithAnEventInHand() throws Exception {
		CountDownLatch holding = new CountDownLatch(1);
		CountDownLatch released = new CountDownLatch(1);
		Consumer<Integer> handler = new Consumer<>() {
			@Override
			public void accept(Integer event) {
				holding.countDown();
				try {
					released.await(10, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
		};
		Subscription subscription = this.bus.subscribe("transient", Integer.class, handler,
				SubscriberOptions.named("transient"));
		this.bus.publish("transient", 1);
		assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();
		subscription.close();
		released.countDown();
		await().until(() -> subscription.stats().queued() == 0);
		return new WeakReference<>(handler);
	}

	@Test
	void aDrainNeverReportsDoneWhileASubscriberThatIsLeavingHoldsAnEvent() throws Exception {
		AtomicInteger wrong = new AtomicInteger();
		int rounds = 0;
		long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (System.nanoTime() < end && wrong.get() == 0) {
			rounds++;
			CountDownLatch holding = new CountDownLatch(1);
			CountDownLatch released = new CountDownLatch(1);
			Subscription subscription = this.bus.subscribe("leaving", Integer.class, (event) -> {
				holding.countDown();
				try {
					released.await(10, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}, SubscriberOptions.named("s" + rounds));
			this.bus.publish("leaving", 1);
			assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();
			AtomicBoolean closing = new AtomicBoolean(true);
			CountDownLatch watching = new CountDownLatch(1);
			Thread watcher = new Thread(() -> {
				watching.countDown();
				try {
					while (closing.get()) {
						// the handler holds its event all along: a drain is never done
						if (this.bus.awaitDrained(Duration.ZERO)) {
							wrong.incrementAndGet();
						}
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			});
			watcher.start();
			watching.await();
			subscription.close();
			closing.set(false);
			watcher.join();
			released.countDown();
			assertThat(this.bus.awaitDrained(Duration.ofSeconds(5))).isTrue();
		}
		assertThat(wrong).as("drains reported done with an event in hand, in %d rounds", rounds).hasValue(0);
	}

	@Test
	void aSubscriberThatKeepsFailingIsLoggedOnceWithItsStackTraceThenSummedUp() throws Exception {
		try (LogRecords log = LogRecords.of(EventBus.class)) {
			Subscription failing = this.bus.subscribe("t", Integer.class, (event) -> {
				throw new IllegalStateException("broken " + event);
			}, SubscriberOptions.named("failing").withBuffer(256));
			for (int i = 0; i < 200; i++) {
				this.bus.publish("t", i);
			}
			await().until(() -> failing.stats().failed() == 200);
			// the counters have all 200; the log, one line with the first failure's stack
			// trace
			assertThat(log.warnings()).hasSize(1)
				.allSatisfy((record) -> assertThat(record.getThrown()).hasMessage("broken 0"));
		}
	}

}
