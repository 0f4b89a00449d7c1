package dev.sluice.redis.ratelimit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import dev.sluice.KeyLimits;
import dev.sluice.ratelimit.OutagePolicy;
import dev.sluice.ratelimit.RateLimitConfig;
import dev.sluice.ratelimit.RateLimiter;
import dev.sluice.redis.connection.BackgroundConnection;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.VerboseResult;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.jspecify.annotations.Nullable;

/**
 * Rate limiters whose budget every instance of an application shares, in Redis: a
 * {@link RateLimiter} made here waits, times out and shuts down like a local one, but its
 * permits live in a Bucket4j bucket at {@code keyPrefix + "ratelimit:" + name}, reached
 * over one Lettuce connection of its own.
 *
 * <pre>{@code
 * RedisRateLimiters limiters = RedisRateLimiters.create(redisClient, "orders:");
 * RateLimiter partnerApi = limiters.create("partner-api", new RateLimitConfig(100, Duration.ofSeconds(1), 20,
 *         Duration.ofMillis(500)), ClusterLimitOptions.defaults());
 * }</pre>
 *
 * <ul>
 * <li>The bucket is a classic token bucket: it holds up to {@code burst} permits and
 * refills them one by one, {@code rate} every {@code per} (Bucket4j's greedy refill). So
 * over any window {@code W} all instances together are granted at most
 * {@code burst + rate × W / per}. A local limiter differs: it gives its permits back a
 * whole burst at a time (see {@link RateLimitConfig}).</li>
 * <li>A limiter whose settings change ({@link RateLimiter#reconfigure},
 * {@link RateLimiter#setRate}) changes the budget that every instance shares, keeping the
 * same proportion of its permits: the settings set last anywhere in the cluster win, by
 * Redis's clock (its {@code TIME}). An instance that starts sets its configured settings
 * too, and so wins over earlier changes at run time. An instance with other settings
 * still reports its own in {@code config()}, but is held to the shared ones.</li>
 * <li>When Redis cannot answer in time, each limiter does what its {@link OutagePolicy}
 * says, and no call waits beyond its timeout.</li>
 * <li>Keys expire once their bucket would have refilled, plus a minute, so idle limiters
 * leave nothing behind (an absent bucket starts full, as an idle one would be).</li>
 * <li>Names are unique among the limiters of one {@code RedisRateLimiters}; a name is
 * free again once its limiter has shut down.</li>
 * <li>Redis need not answer when this is created: {@link #create(RedisClient, String)}
 * waits a little for the first connection (up to five seconds; a refused connection ends
 * the wait at once), and if there is none by then it goes on connecting in the
 * background, once a second, until it has one (a {@link BackgroundConnection}). Until
 * then {@link #ping} answers {@code false}, and every limiter is in an outage from the
 * start (once a connection attempt has failed), so its policy applies: fail-open grants
 * locally, fail-closed refuses, wait waits up to the caller's timeout. A limiter's round
 * trip while the first connection is still being made waits for it, bounded like any
 * round trip. Once connected, Lettuce reconnects on its own, by the client's options,
 * which this leaves as the caller set them.</li>
 * </ul>
 *
 * <p>
 * Thread-safe. {@link #close()} shuts down every limiter made here, stops connecting, and
 * closes the connection, but not the client, which belongs to the caller.
 *
 * <p>
 * Bucket4j computes refills on the client, from its wall clock, so the instances' clocks
 * should agree (NTP).
 */
public final class RedisRateLimiters implements AutoCloseable {

	/*
	 * Design notes. One Bucket4j proxy manager (compare-and-swap on Lettuce), built once
	 * the connection is made, serves every limiter. Each limiter's settings get an
	 * asynchronous proxy with Bucket4j's batching optimisation: while one request for a
	 * bucket is in flight, the requests that this process makes meanwhile for the same
	 * bucket wait and then go together, as one read and one compare-and-swap that applies
	 * each of them in turn to the bucket's state. That is exact, since every request is
	 * still decided against the state in Redis, and it cuts the round trips under
	 * concurrency and ends the compare-and-swap retries among threads of one process,
	 * which is what limits Bucket4j's throughput by default. Bucket4j's delaying and
	 * predicting optimisations save more round trips by letting a process spend permits
	 * it has not yet synchronised, which over-grants the shared budget; they are not
	 * used. Bucket4j computes refills on the client, from its wall clock, so the
	 * instances' clocks should agree (NTP).
	 *
	 * A change of settings is carried by Bucket4j's implicit configuration replacement,
	 * which replaces the stored settings only with a strictly greater version. The
	 * version is Redis's own TIME in microseconds, asked on this connection when the
	 * settings are made (bounded by the limiter's operation timeout), so every instance
	 * versions its settings on one clock, and skewed wall clocks cannot make a later
	 * change lose. Versions are moreover strictly increasing across every
	 * RedisRateLimiters of this JVM. While Redis cannot answer, the version falls back to
	 * this process's wall clock in microseconds (still strictly increasing in the JVM),
	 * which is only as right as the clocks agree; the settings reach Redis with the next
	 * round trip that it answers. Versions used to be wall-clock milliseconds, which are
	 * smaller, so settings versioned so by an older instance always give way to these.
	 */

	/**
	 * How long a key lives after its bucket would be full again; only a margin for clock
	 * drift.
	 */
	private static final Duration KEEP_AFTER_REFILL = Duration.ofMinutes(1);

	/** How long {@link #create(RedisClient, String)} waits for the first connection. */
	static final Duration DEFAULT_CONNECT_WAIT = Duration.ofSeconds(5);

	/** The last settings version given by any {@code RedisRateLimiters} of this JVM. */
	private static final AtomicLong LAST_VERSION = new AtomicLong();

	private final String keyPrefix;

	/**
	 * The connection and its proxy manager, made in the background; never unset (Lettuce
	 * reconnects it).
	 */
	private final BackgroundConnection<Link> connection;

	/** Guarded by {@code this}; the acquire path never takes that lock. */
	private final Map<String, ClusterLimit> limits = new LinkedHashMap<>();

	/** Guarded by {@code this}: told of every limit, now and later (metrics). */
	private final List<Consumer<ClusterLimit>> listeners = new ArrayList<>();

	private volatile boolean closed;

	private RedisRateLimiters(RedisClient client, String keyPrefix) {
		this.keyPrefix = keyPrefix;
		this.connection = BackgroundConnection.start("sluice-redis-ratelimit", () -> link(client),
				(link) -> link.connection().closeAsync());
	}

	/**
	 * Connects with the given client, on a connection of its own, and keeps every
	 * limiter's bucket under the given key prefix (which may be empty). Waits up to five
	 * seconds for the connection; without one by then, or when Redis refuses it, it goes
	 * on connecting in the background, and its limiters answer by their outage policy
	 * meanwhile.
	 * @throws IllegalStateException if the client cannot connect at all, such as a client
	 * without a default {@code RedisURI} or one that is shut down
	 */
	public static RedisRateLimiters create(RedisClient client, String keyPrefix) {
		return create(client, keyPrefix, DEFAULT_CONNECT_WAIT);
	}

	/**
	 * As {@link #create(RedisClient, String)}, waiting up to {@code connectWait} (which
	 * may be zero) for the first connection.
	 * @throws IllegalStateException if the client cannot connect at all, such as a client
	 * without a default {@code RedisURI} or one that is shut down
	 */
	public static RedisRateLimiters create(RedisClient client, String keyPrefix, Duration connectWait) {
		Objects.requireNonNull(client, "client");
		Objects.requireNonNull(keyPrefix, "keyPrefix");
		Objects.requireNonNull(connectWait, "connectWait");
		RedisRateLimiters limiters = new RedisRateLimiters(client, keyPrefix);
		try {
			// Redis away, or still connecting: the limiters start in an outage,
			// connecting goes on
			limiters.connection.awaitFirst(connectWait);
		}
		catch (RuntimeException ex) {
			limiters.close();
			throw ex;
		}
		return limiters;
	}

	/**
	 * Makes a limiter whose permits every instance shares: the same name, with the same
	 * key prefix, on any instance, is the same budget. Succeeds whether or not Redis
	 * answers; it may wait for Redis up to the operation timeout, for the version of its
	 * settings.
	 * @throws IllegalArgumentException if a limiter of that name exists here already
	 * @throws IllegalStateException if this is closed
	 */
	public RateLimiter create(String name, RateLimitConfig config, ClusterLimitOptions options) {
		return create(name, config, options, KeyLimits.defaults());
	}

	/**
	 * As {@link #create(String, RateLimitConfig, ClusterLimitOptions)}, with the given
	 * bound on the keys this instance keeps ({@link RateLimiter#forKey}). Each key is a
	 * bucket of its own, at {@code keyPrefix + "ratelimit:" + name + ":key:" + key},
	 * shared by every instance and batched as the limiter's own; it expires in Redis once
	 * it would have refilled, plus a minute, as the limiter's own does.
	 * @throws IllegalArgumentException if a limiter of that name exists here already
	 * @throws IllegalStateException if this is closed
	 */
	public RateLimiter create(String name, RateLimitConfig config, ClusterLimitOptions options, KeyLimits keys) {
		if (name == null || name.isBlank()) {
			throw new IllegalArgumentException("name must not be blank");
		}
		Objects.requireNonNull(config, "config");
		Objects.requireNonNull(options, "options");
		Objects.requireNonNull(keys, "keys");
		ClusterLimit limit;
		synchronized (this) {
			if (this.closed) {
				throw closedException(name);
			}
			if (this.limits.containsKey(name)) {
				throw new IllegalArgumentException("A cluster rate limiter named '" + name + "' exists already");
			}
			limit = new ClusterLimit(this, name,
					(this.keyPrefix + "ratelimit:" + name).getBytes(StandardCharsets.UTF_8), options);
			// the name is taken from now on; the limiter is made outside the lock, since
			// its first
			// settings ask Redis for their version
			this.limits.put(name, limit);
		}
		RateLimiter limiter;
		try {
			limiter = RateLimiter.create(name, config, keys, limit.stores());
		}
		catch (RuntimeException | Error ex) {
			synchronized (this) {
				this.limits.remove(name, limit);
			}
			throw ex;
		}
		boolean closedMeanwhile;
		synchronized (this) {
			closedMeanwhile = this.closed;
			limit.limiter = limiter;
			if (!closedMeanwhile) {
				this.listeners.forEach((listener) -> listener.accept(limit));
			}
		}
		if (closedMeanwhile) {
			limiter.stopIntake();
			throw closedException(name);
		}
		return limiter;
	}

	private static IllegalStateException closedException(String name) {
		return new IllegalStateException("Cannot create rate limiter '" + name + "': its Redis connection is closed");
	}

	/**
	 * A snapshot of each limiter's link to Redis, in the order they were made, with the
	 * settings Redis holds for it ({@link ClusterLimiterStats#effective()}), read now:
	 * one read per limiter, sent together, waited for up to the longest operation timeout
	 * (so a change of settings made on any instance shows here as soon as Redis has it).
	 * A limiter whose Redis is known to be away is not asked. An interrupt makes the
	 * figures not yet read {@code null}, with the thread's interrupt status set.
	 */
	public List<ClusterLimiterStats> stats() {
		List<ClusterLimit> limits;
		synchronized (this) {
			limits = List.copyOf(this.limits.values());
		}
		List<@Nullable CompletableFuture<VerboseResult<Long>>> reads = new ArrayList<>(limits.size());
		long timeout = 0;
		for (ClusterLimit limit : limits) {
			reads.add(limit.readSettings());
			timeout = Math.max(timeout, limit.operationTimeoutNanos);
		}
		long deadline = System.nanoTime() + timeout;
		List<ClusterLimiterStats> stats = new ArrayList<>(limits.size());
		for (int i = 0; i < limits.size(); i++) {
			stats.add(limits.get(i).stats(configuration(reads.get(i), deadline)));
		}
		return stats;
	}

	private static @Nullable BucketConfiguration configuration(@Nullable CompletableFuture<VerboseResult<Long>> read,
			long deadline) {
		if (read == null || Thread.currentThread().isInterrupted()) {
			return null;
		}
		try {
			return read.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS).getConfiguration();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return null;
		}
		catch (ExecutionException | TimeoutException | RuntimeException ex) {
			return null;
		}
	}

	/**
	 * Whether Redis answers a PING on this connection within the timeout; {@code false}
	 * until the connection is made (an attempt that succeeds within the timeout counts).
	 * Never throws; an interrupt makes it answer {@code false} at once, with the thread's
	 * interrupt status set.
	 */
	public boolean ping(Duration timeout) {
		Objects.requireNonNull(timeout, "timeout");
		long nanos = Math.max(0, timeout.toNanos());
		long deadline = System.nanoTime() + nanos;
		try {
			if (this.closed) {
				return false;
			}
			Link link = this.connection.now();
			if (link == null) {
				link = this.connection.attempt(false).get(nanos, TimeUnit.NANOSECONDS);
			}
			long left = Math.max(0, deadline - System.nanoTime());
			String reply = link.connection().async().ping().get(left, TimeUnit.NANOSECONDS);
			return "PONG".equals(reply);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
		catch (ExecutionException | TimeoutException | RuntimeException ex) {
			return false;
		}
	}

	/**
	 * Shuts down every limiter made here (later calls fail with reason {@code SHUT_DOWN},
	 * and callers waiting for Redis wake at once and fail so too), stops connecting, and
	 * closes the connection. Idempotent.
	 */
	@Override
	public void close() {
		List<ClusterLimit> open;
		synchronized (this) {
			if (this.closed) {
				return;
			}
			this.closed = true;
			open = new ArrayList<>(this.limits.values());
		}
		for (ClusterLimit limit : open) {
			RateLimiter limiter = limit.limiter;
			if (limiter != null) {
				limiter.stopIntake();
			}
			// a limiter still being made is stopped by create, which sees this closed
		}
		this.connection.close().join();
	}

	/** Runs the action for every limit made here, and for every one made later. */
	synchronized void forEachLimit(Consumer<ClusterLimit> action) {
		this.limits.values().stream().filter((limit) -> limit.limiter != null).forEach(action);
		this.listeners.add(action);
	}

	/** A limit has shut down: its name is free. */
	synchronized void release(ClusterLimit limit) {
		this.limits.remove(limit.name, limit);
	}

	/** The limit of that name, for tests. */
	synchronized @Nullable ClusterLimit limit(String name) {
		return this.limits.get(name);
	}

	/** Whether the connection is made. */
	boolean connected() {
		return this.connection.now() != null;
	}

	/**
	 * Why the latest connection attempt failed, while there is no connection and one has
	 * failed.
	 */
	@Nullable Throwable connectError() {
		return this.connection.failure();
	}

	/**
	 * The connection: at once when it is made; otherwise the attempt in flight, or a new
	 * one, or the one that failed last when it failed less than a retry interval ago.
	 * Never throws.
	 */
	CompletableFuture<Link> connection() {
		return this.connection.attempt(false);
	}

	/**
	 * Connects, on the connection's background thread: the connection, and the proxy
	 * manager on it.
	 */
	private static Link link(RedisClient client) {
		StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
		try {
			ProxyManager<byte[]> proxies = Bucket4jLettuce.casBasedBuilder(connection)
				.expirationAfterWrite(
						ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(KEEP_AFTER_REFILL))
				.build();
			return new Link(connection, proxies);
		}
		catch (RuntimeException | Error ex) {
			connection.closeAsync();
			throw ex;
		}
	}

	/**
	 * A version for new settings: Redis's {@code TIME} in microseconds, asked within the
	 * timeout (zero to not ask), or else this process's wall clock in microseconds; in
	 * either case greater than every version given before in this JVM. Never throws; an
	 * interrupt falls back to the local clock, with the thread's interrupt status kept.
	 */
	long nextConfigurationVersion(long timeoutNanos) {
		long redisTime = redisTimeMicros(timeoutNanos);
		long candidate = (redisTime > 0) ? redisTime : localTimeMicros();
		return LAST_VERSION.updateAndGet((last) -> Math.max(last + 1, candidate));
	}

	private long redisTimeMicros(long timeoutNanos) {
		Link link = this.connection.now();
		if (link == null || timeoutNanos <= 0 || this.closed) {
			return -1;
		}
		try {
			List<byte[]> time = link.connection().async().time().get(timeoutNanos, TimeUnit.NANOSECONDS);
			long seconds = Long.parseLong(new String(time.get(0), StandardCharsets.US_ASCII));
			long micros = Long.parseLong(new String(time.get(1), StandardCharsets.US_ASCII));
			return Math.addExact(Math.multiplyExact(seconds, 1_000_000L), micros);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return -1;
		}
		catch (ExecutionException | TimeoutException | RuntimeException ex) {
			return -1;
		}
	}

	private static long localTimeMicros() {
		Instant now = Instant.now();
		return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
	}

	/**
	 * A proxy for the bucket at the key, with the given settings as the given version;
	 * {@code null} while there is no connection.
	 */
	@Nullable AsyncBucketProxy proxy(byte[] key, BucketConfiguration configuration, long version) {
		Link link = this.connection.now();
		if (link == null) {
			return null;
		}
		return link.proxies()
			.asAsync()
			.builder()
			.withOptimization(Optimizations.batching())
			.withImplicitConfigurationReplacement(version, TokensInheritanceStrategy.PROPORTIONALLY)
			.build(key, () -> CompletableFuture.completedFuture(configuration));
	}

	/**
	 * The classic token bucket of the settings: {@code burst} at most, refilled greedily.
	 */
	static BucketConfiguration bucketConfiguration(RateLimitConfig config) {
		return BucketConfiguration.builder()
			.addLimit((limit) -> limit.capacity(config.burst()).refillGreedy(config.rate(), config.per()))
			.build();
	}

	/** The connection, and the Bucket4j proxy manager on it. */
	record Link(StatefulRedisConnection<byte[], byte[]> connection, ProxyManager<byte[]> proxies) {
	}

}
