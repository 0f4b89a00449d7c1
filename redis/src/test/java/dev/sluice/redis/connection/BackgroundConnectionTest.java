package dev.sluice.redis.connection;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

class BackgroundConnectionTest {

	/** Stands for a connection: what a successful attempt makes. */
	record Made(int attempt) {
	}

	@Test
	void aFailedAttemptRefusesCallersAtOnceAndIsRetriedInTheBackgroundUntilOneSucceeds() throws Exception {
		AtomicInteger attempts = new AtomicInteger();
		AtomicBoolean redisUp = new AtomicBoolean();
		BackgroundConnection<Made> connection = BackgroundConnection.start("test", () -> {
			int attempt = attempts.incrementAndGet();
			if (!redisUp.get()) {
				throw new RedisConnectionException("refused");
			}
			return new Made(attempt);
		}, (made) -> CompletableFuture.completedFuture(null));
		try {
			await().atMost(Duration.ofSeconds(5)).until(() -> connection.failure() != null);
			long start = System.nanoTime();
			assertThatExceptionOfType(RedisException.class)
				.isThrownBy(() -> connection.await(System.nanoTime() + TimeUnit.SECONDS.toNanos(5)))
				.withMessage("refused");
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(500));
			assertThat(connection.now()).isNull();
			await().atMost(Duration.ofSeconds(5)).until(() -> attempts.get() >= 2);
			redisUp.set(true);
			await().atMost(Duration.ofSeconds(5)).until(() -> connection.now() != null);
			assertThat(connection.failure()).isNull();
			assertThat(connection.await(System.nanoTime())).isSameAs(connection.now());
			int made = attempts.get();
			Thread.sleep(BackgroundConnection.RETRY_INTERVAL.toMillis() + 200);
			assertThat(attempts.get()).as("no attempt once connected").isEqualTo(made);
		}
		finally {
			connection.close();
		}
	}

	@Test
	void aMisconfigurationIsNotRetriedInTheBackgroundAndIsThrownByAwaitFirst() throws Exception {
		AtomicInteger attempts = new AtomicInteger();
		BackgroundConnection<Made> connection = BackgroundConnection.start("test", () -> {
			attempts.incrementAndGet();
			throw new IllegalStateException("no RedisURI");
		}, (made) -> CompletableFuture.completedFuture(null));
		try {
			assertThatIllegalStateException().isThrownBy(() -> connection.awaitFirst(Duration.ofSeconds(5)))
				.withMessage("no RedisURI");
			Thread.sleep(BackgroundConnection.RETRY_INTERVAL.toMillis() + 300);
			assertThat(attempts.get()).isEqualTo(1);
		}
		finally {
			connection.close();
		}
	}

	@Test
	void closeClosesTheConnectionAndRefusesCallers() throws Exception {
		AtomicInteger closed = new AtomicInteger();
		BackgroundConnection<Made> connection = BackgroundConnection.start("test", () -> new Made(1), (made) -> {
			closed.incrementAndGet();
			return CompletableFuture.completedFuture(null);
		});
		connection.awaitFirst(Duration.ofSeconds(5));
		assertThat(connection.now()).isEqualTo(new Made(1));
		connection.close().get(5, TimeUnit.SECONDS);
		connection.close().get(5, TimeUnit.SECONDS);
		assertThat(closed.get()).isEqualTo(1);
		assertThat(connection.isClosed()).isTrue();
		assertThatIllegalStateException().isThrownBy(() -> connection.await(System.nanoTime() + 1_000_000_000L))
			.withMessageContaining("closed");
	}

	@Test
	void anAttemptThatEndsAfterCloseClosesWhatItMade() throws Exception {
		CompletableFuture<Void> proceed = new CompletableFuture<>();
		AtomicInteger closed = new AtomicInteger();
		BackgroundConnection<Made> connection = BackgroundConnection.start("test", () -> {
			proceed.join();
			return new Made(1);
		}, (made) -> {
			closed.incrementAndGet();
			return CompletableFuture.completedFuture(null);
		});
		CompletableFuture<Made> attempt = connection.attempt(false);
		connection.close().get(5, TimeUnit.SECONDS);
		assertThat(attempt).isCompletedExceptionally();
		proceed.complete(null);
		await().atMost(Duration.ofSeconds(5)).until(() -> closed.get() == 1);
		assertThat(connection.now()).isNull();
	}

}
