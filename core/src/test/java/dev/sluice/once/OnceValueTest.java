package dev.sluice.once;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OnceValueTest {

	@Test
	void theInitialiserRunsOnceUnderContention() throws Exception {
		AtomicInteger calls = new AtomicInteger();
		OnceValue<String> lazy = OnceValue.of(() -> {
			calls.incrementAndGet();
			try {
				Thread.sleep(20);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return "client";
		}, OnceValue.OnFailure.KEEP);
		CountDownLatch go = new CountDownLatch(1);
		List<Thread> threads = new ArrayList<>();
		List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
		for (int i = 0; i < 32; i++) {
			Thread thread = new Thread(() -> {
				try {
					go.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				seen.add(lazy.get());
			});
			threads.add(thread);
			thread.start();
		}
		go.countDown();
		for (Thread thread : threads) {
			thread.join(10_000);
		}
		assertThat(calls).hasValue(1);
		assertThat(seen).hasSize(32).containsOnly("client");
		assertThat(lazy.isDone()).isTrue();
	}

	@Test
	void keepRemembersTheFailureAndNeverRetries() {
		AtomicInteger calls = new AtomicInteger();
		IllegalStateException boom = new IllegalStateException("cannot connect");
		OnceValue<String> lazy = OnceValue.of(() -> {
			calls.incrementAndGet();
			throw boom;
		}, OnceValue.OnFailure.KEEP);
		assertThatThrownBy(lazy::get).isSameAs(boom);
		assertThatThrownBy(lazy::get).isSameAs(boom);
		assertThat(calls).hasValue(1);
		assertThat(lazy.isDone()).isTrue();
	}

	@Test
	void retryTriesAgainOnTheNextCall() {
		AtomicInteger calls = new AtomicInteger();
		OnceValue<String> lazy = OnceValue.of(() -> {
			if (calls.incrementAndGet() == 1) {
				throw new IllegalStateException("flaky");
			}
			return "connected";
		}, OnceValue.OnFailure.RETRY);
		assertThatThrownBy(lazy::get).hasMessage("flaky");
		assertThat(lazy.isDone()).isFalse();
		assertThat(lazy.get()).isEqualTo("connected");
		assertThat(lazy.get()).isEqualTo("connected");
		assertThat(calls).hasValue(2);
	}

	@Test
	void underRetryTheThreadsWaitingForAFailedAttemptGetItsFailure() throws Exception {
		AtomicInteger calls = new AtomicInteger();
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		OnceValue<String> lazy = OnceValue.of(() -> {
			calls.incrementAndGet();
			started.countDown();
			try {
				release.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			throw new IllegalStateException("down");
		}, OnceValue.OnFailure.RETRY);
		List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
		List<Thread> threads = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			Thread thread = new Thread(() -> {
				try {
					lazy.get();
				}
				catch (RuntimeException ex) {
					failures.add(ex);
				}
			});
			threads.add(thread);
			thread.start();
		}
		started.await();
		org.awaitility.Awaitility.await()
			.until(() -> threads.stream().filter((thread) -> thread.getState() == Thread.State.BLOCKED).count() == 4);
		release.countDown();
		for (Thread thread : threads) {
			thread.join(10_000);
		}
		assertThat(calls).hasValue(1);
		assertThat(failures).hasSize(5).allSatisfy((ex) -> assertThat(ex).hasMessage("down"));
	}

	@Test
	void nullIsAValidValue() {
		AtomicInteger calls = new AtomicInteger();
		OnceValue<String> lazy = OnceValue.of(() -> {
			calls.incrementAndGet();
			return null;
		}, OnceValue.OnFailure.KEEP);
		assertThat(lazy.get()).isNull();
		assertThat(lazy.get()).isNull();
		assertThat(calls).hasValue(1);
	}

}
