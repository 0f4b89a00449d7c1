package dev.sluice.redis.connection;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import org.jspecify.annotations.Nullable;

/**
 * A connection to Redis that is made in the background, so that what uses it can be
 * created, and can answer, while Redis is down. Shared by the cluster rate limiters and
 * the event transport.
 *
 * <ul>
 * <li>Nothing blocks on connecting: the first attempt starts at once, on a daemon thread
 * of its own (one per connection), and creating this never throws.</li>
 * <li>While there is no connection, a failed attempt is tried again in the background
 * every {@link #RETRY_INTERVAL}, until one succeeds or this is closed; except a failure
 * that no retry cures ({@link #isMisconfiguration}: a client without a default URI, or
 * one that is shut down), which is tried again only when a caller asks after a retry
 * interval.</li>
 * <li>Callers are refused while disconnected rather than made to wait on the client: they
 * get the connection at once once it is made, else wait for the attempt in flight within
 * a bound of their own, else get the failure of the last attempt at once while it is less
 * than a retry interval old.</li>
 * <li>Once made, the connection is kept: Lettuce reconnects it after a loss, by the
 * client's options (which this leaves as the caller set them). The background thread then
 * ends.</li>
 * <li>{@link #close()} stops connecting and closes the connection; an attempt in flight
 * closes what it makes. Callers waiting for a connection then fail at once.</li>
 * </ul>
 *
 * <p>
 * Thread-safe. Not an API of Sluice: it is public only so that both packages of this
 * module can share it.
 *
 * @param <C> what a successful attempt makes: the Lettuce connection, or something built
 * on it
 */
public final class BackgroundConnection<C> {

	/** The time between connection attempts while there is no connection. */
	public static final Duration RETRY_INTERVAL = Duration.ofSeconds(1);

	private final String name;

	private final Supplier<C> connect;

	private final Function<C, CompletableFuture<?>> close;

	/**
	 * One daemon thread for connecting; shut down once connected, or closed (an attempt
	 * in flight then ends by the client's connect timeout, and closes what it made).
	 */
	private final ScheduledThreadPoolExecutor connector;

	/** The connection, once made; never unset. */
	private volatile @Nullable C connection;

	/** Guarded by {@code this}: the latest attempt, while there is no connection. */
	private @Nullable CompletableFuture<C> attempt;

	/**
	 * Guarded by {@code this}: {@link System#nanoTime()} when the latest attempt failed.
	 */
	private long attemptFailedAt;

	/**
	 * Guarded by {@code this}: the next attempt of the background retries, if one is due.
	 */
	private @Nullable Future<?> retry;

	/** Why the latest attempt failed; {@code null} before one has, and once connected. */
	private volatile @Nullable Throwable failure;

	private volatile boolean closed;

	private BackgroundConnection(String name, Supplier<C> connect, Function<C, CompletableFuture<?>> close) {
		this.name = Objects.requireNonNull(name, "name");
		this.connect = Objects.requireNonNull(connect, "connect");
		this.close = Objects.requireNonNull(close, "close");
		this.connector = new ScheduledThreadPoolExecutor(1, (task) -> {
			Thread thread = new Thread(task, name + "-connect");
			thread.setDaemon(true);
			return thread;
		});
		this.connector.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
	}

	/**
	 * A connection whose first attempt starts now, in the background.
	 * @param name what it connects, for its thread ({@code <name>-connect}) and messages
	 * @param connect makes the connection, blocking; run on the background thread
	 * @param close closes a connection it made, asynchronously
	 */
	public static <C> BackgroundConnection<C> start(String name, Supplier<C> connect,
			Function<C, CompletableFuture<?>> close) {
		BackgroundConnection<C> connection = new BackgroundConnection<>(name, connect, close);
		connection.attempt(true);
		return connection;
	}

	/**
	 * The connection: at once when it is made; otherwise the attempt in flight, or a new
	 * one, or the one that failed last when it failed less than a retry interval ago (or
	 * {@code force} to start a new one all the same). Never throws; fails with an
	 * {@link IllegalStateException} once closed.
	 */
	public CompletableFuture<C> attempt(boolean force) {
		C made = this.connection;
		if (made != null) {
			return CompletableFuture.completedFuture(made);
		}
		synchronized (this) {
			if (this.connection != null) {
				return CompletableFuture.completedFuture(this.connection);
			}
			if (this.closed) {
				return CompletableFuture.failedFuture(closedException());
			}
			if (this.attempt != null && (!this.attempt.isDone()
					|| (!force && System.nanoTime() - this.attemptFailedAt < RETRY_INTERVAL.toNanos()))) {
				return this.attempt;
			}
			CompletableFuture<C> attempt = new CompletableFuture<>();
			this.attempt = attempt;
			try {
				this.connector.execute(() -> connect(attempt));
			}
			catch (RejectedExecutionException ex) {
				attempt.completeExceptionally(ex);
			}
			return attempt;
		}
	}

	/**
	 * The connection, waiting for an attempt in flight until the deadline at most.
	 * @param deadline a {@link System#nanoTime()}
	 * @throws TimeoutException if the attempt did not end by the deadline
	 * @throws RedisException why the attempt failed (a failure other than Redis's as a
	 * {@link RedisConnectionException})
	 * @throws IllegalStateException if this is closed
	 */
	public C await(long deadline) throws InterruptedException, TimeoutException {
		if (this.closed) {
			throw closedException();
		}
		try {
			return attempt(false).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
		}
		catch (ExecutionException ex) {
			Throwable cause = ex.getCause();
			if (cause instanceof RedisException redis) {
				throw redis;
			}
			if (cause instanceof IllegalStateException closed && this.closed) {
				throw closed;
			}
			throw new RedisConnectionException("Could not connect to Redis", cause);
		}
	}

	/**
	 * Waits up to {@code wait} (which may be zero) for the first attempt, and throws its
	 * failure if no retry cures it; any other outcome returns, the connecting going on in
	 * the background.
	 * @throws RuntimeException the failure of an attempt that {@link #isMisconfiguration}
	 * says
	 */
	public void awaitFirst(Duration wait) {
		try {
			attempt(false).get(Math.max(0, wait.toNanos()), TimeUnit.NANOSECONDS);
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof RuntimeException cause && isMisconfiguration(cause)) {
				throw cause;
			}
		}
		catch (TimeoutException ex) {
			// still connecting, in the background
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** The connection if it is made, else {@code null}. */
	public @Nullable C now() {
		return this.connection;
	}

	/**
	 * Why the latest attempt failed, while there is no connection and one has failed;
	 * else {@code null}.
	 */
	public @Nullable Throwable failure() {
		return (this.connection != null) ? null : this.failure;
	}

	public boolean isClosed() {
		return this.closed;
	}

	/**
	 * Stops connecting and closes the connection, not the client. Idempotent.
	 * @return done when the connection is closed (at once if there was none); never fails
	 */
	public CompletableFuture<Void> close() {
		CompletableFuture<C> attempt;
		synchronized (this) {
			if (this.closed) {
				return CompletableFuture.completedFuture(null);
			}
			this.closed = true;
			attempt = this.attempt;
			if (this.retry != null) {
				this.retry.cancel(false);
			}
		}
		// not interrupted: an attempt in flight finishes, sees this closed, and closes
		// its connection
		this.connector.shutdown();
		if (attempt != null) {
			attempt.completeExceptionally(closedException());
		}
		C made = this.connection;
		if (made == null) {
			return CompletableFuture.completedFuture(null);
		}
		CompletableFuture<Void> closing = new CompletableFuture<>();
		try {
			this.close.apply(made).whenComplete((done, ex) -> closing.complete(null));
		}
		catch (RuntimeException ex) {
			closing.complete(null);
		}
		return closing;
	}

	/**
	 * One attempt, on the connector's thread; retried in the background when it fails.
	 */
	private void connect(CompletableFuture<C> attempt) {
		C made = null;
		try {
			made = this.connect.get();
			synchronized (this) {
				if (this.closed) {
					throw closedException();
				}
				this.connection = made;
				this.failure = null;
				if (this.retry != null) {
					this.retry.cancel(false);
				}
			}
			made = null;
			this.connector.shutdown();
			attempt.complete(this.connection);
		}
		catch (RuntimeException | Error ex) {
			if (made != null) {
				closeQuietly(made);
			}
			synchronized (this) {
				this.failure = ex;
				this.attemptFailedAt = System.nanoTime();
				if (!this.closed && !isMisconfiguration(ex) && (this.retry == null || this.retry.isDone())) {
					try {
						this.retry = this.connector.schedule(() -> attempt(true), RETRY_INTERVAL.toNanos(),
								TimeUnit.NANOSECONDS);
					}
					catch (RejectedExecutionException rejected) {
						// closed meanwhile
					}
				}
			}
			attempt.completeExceptionally(ex);
		}
	}

	private void closeQuietly(C made) {
		try {
			this.close.apply(made);
		}
		catch (RuntimeException ex) {
			// nothing more to do
		}
	}

	private IllegalStateException closedException() {
		return new IllegalStateException("The Redis connection of " + this.name + " is closed");
	}

	/**
	 * A failure that no retry cures: a client without a default URI, or one that is shut
	 * down.
	 */
	public static boolean isMisconfiguration(Throwable error) {
		return error instanceof IllegalStateException || error instanceof IllegalArgumentException;
	}

	@Override
	public String toString() {
		return "BackgroundConnection[" + this.name + ", "
				+ ((this.connection != null) ? "connected" : this.closed ? "closed" : "connecting") + "]";
	}

}
