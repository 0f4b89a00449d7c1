package dev.sluice.once;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class SingleFlightTest {

	private final SingleFlight<String, String> flights = new SingleFlight<>();

	/**
	 * Starts callers of the same key while the first one's loader is held, then lets it
	 * go.
	 */
	private List<Object> concurrentCalls(int callers, AtomicInteger loads, RuntimeException failure) throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		List<Object> outcomes = new CopyOnWriteArrayList<>();
		List<Thread> threads = new ArrayList<>();
		for (int i = 0; i < callers; i++) {
			Thread thread = new Thread(() -> {
				try {
					outcomes.add(this.flights.get("sku-1", () -> {
						loads.incrementAndGet();
						try {
							release.await();
						}
						catch (InterruptedException ex) {
							Thread.currentThread().interrupt();
						}
						if (failure != null) {
							throw failure;
						}
						return "product";
					}));
				}
				catch (RuntimeException ex) {
					outcomes.add(ex);
				}
			});
			threads.add(thread);
			thread.start();
		}
		// every caller is either running the loader or waiting for it
		await().until(() -> threads.stream()
			.allMatch((thread) -> thread.getState() == Thread.State.WAITING
					|| thread.getState() == Thread.State.TIMED_WAITING));
		release.countDown();
		for (Thread thread : threads) {
			thread.join(10_000);
		}
		return outcomes;
	}

	@Test
	void concurrentCallsForOneKeyShareOneExecution() throws Exception {
		AtomicInteger loads = new AtomicInteger();
		List<Object> outcomes = concurrentCalls(20, loads, null);
		assertThat(loads).hasValue(1);
		assertThat(outcomes).hasSize(20).containsOnly("product");
		assertThat(this.flights.inFlight()).isZero();
	}

	@Test
	void theFailureOfTheSharedExecutionReachesEveryCaller() throws Exception {
		AtomicInteger loads = new AtomicInteger();
		IllegalStateException down = new IllegalStateException("catalogue down");
		List<Object> outcomes = concurrentCalls(10, loads, down);
		assertThat(loads).hasValue(1);
		assertThat(outcomes).hasSize(10).containsOnly(down);
	}

	@Test
	void nothingIsCachedOnceTheExecutionEnds() {
		AtomicInteger loads = new AtomicInteger();
		this.flights.get("k", () -> "v" + loads.incrementAndGet());
		assertThat(this.flights.get("k", () -> "v" + loads.incrementAndGet())).isEqualTo("v2");
		assertThat(this.flights.get("other", () -> "o")).isEqualTo("o");
	}

	@Test
	void aWaiterCanBoundItsWait() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		Thread leader = new Thread(() -> this.flights.get("slow", () -> {
			try {
				release.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return "late";
		}));
		leader.start();
		await().until(() -> this.flights.inFlight() == 1);
		assertThatThrownBy(() -> this.flights.get("slow", () -> "mine", Duration.ofMillis(50)))
			.isInstanceOf(TimeoutException.class);
		release.countDown();
		leader.join(10_000);
	}

}
