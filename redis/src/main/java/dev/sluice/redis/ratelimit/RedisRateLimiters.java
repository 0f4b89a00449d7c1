package dev.sluice.redis.ratelimit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
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

import dev.sluice.ratelimit.RateLimitConfig;
import dev.sluice.ratelimit.RateLimiter;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;

/**
 * Rate limiters whose budget every instance of an application shares, in Redis: a
 * {@link RateLimiter} made here waits, times out and shuts down like a local one, but its permits
 * live in a Bucket4j bucket at {@code keyPrefix + "ratelimit:" + name}, reached over one Lettuce
 * connection of its own.
 *
 * <pre>{@code
 * RedisRateLimiters limiters = RedisRateLimiters.create(redisClient, "orders:");
 * RateLimiter partnerApi = limiters.create("partner-api", new RateLimitConfig(100, Duration.ofSeconds(1), 20,
 *         Duration.ofMillis(500)), ClusterLimitOptions.defaults());
 * }</pre>
 *
 * <ul>
 * <li>The bucket is a classic token bucket: it holds up to {@code burst} permits and refills them one
 * by one, {@code rate} every {@code per} (Bucket4j's greedy refill). So over any window {@code W} all
 * instances together are granted at most {@code burst + rate × W / per}. A local limiter differs: it
 * gives its permits back a whole burst at a time (see {@link RateLimitConfig}).</li>
 * <li>A limiter whose settings change ({@link RateLimiter#reconfigure}, {@link RateLimiter#setRate})
 * changes the budget that every instance shares, keeping the same proportion of its permits: the
 * settings set last, by wall clock, anywhere in the cluster win. An instance that starts sets its
 * configured settings too, and so wins over earlier changes at run time. An instance with other
 * settings still reports its own in {@code config()}, but is held to the shared ones.</li>
 * <li>When Redis cannot answer in time, each limiter does what its {@link OutagePolicy} says, and no
 * call waits beyond its timeout.</li>
 * <li>Keys expire once their bucket would have refilled, plus a minute, so idle limiters leave
 * nothing behind (an absent bucket starts full, as an idle one would be).</li>
 * <li>Names are unique among the limiters of one {@code RedisRateLimiters}; a name is free again
 * once its limiter has shut down.</li>
 * <li>Redis must answer when this is created. Later, Lettuce reconnects on its own, by the client's
 * options, which this leaves as the caller set them.</li>
 * </ul>
 *
 * <p>Thread-safe. {@link #close()} shuts down every limiter made here and closes the connection, but
 * not the client, which belongs to the caller.
 *
 * <p>Design notes. One Bucket4j proxy manager (compare-and-swap on Lettuce) serves every limiter. Each
 * limiter's settings get an asynchronous proxy with Bucket4j's <em>batching</em> optimisation: while
 * one request for a bucket is in flight, the requests that this process makes meanwhile for the same
 * bucket wait and then go together, as one read and one compare-and-swap that applies each of them
 * in turn to the bucket's state. That is exact, since every request is still decided against the
 * state in Redis, and it cuts the round trips under concurrency and ends the compare-and-swap
 * retries among threads of one process, which is what limits Bucket4j's throughput by default.
 * Bucket4j's {@code delaying} and {@code predicting} optimisations save more round trips by letting
 * a process spend permits it has not yet synchronised, which over-grants the shared budget; they are
 * not used. Bucket4j computes refills on the client, from its wall clock, so the instances' clocks
 * should agree (NTP). A change of settings is carried by Bucket4j's implicit configuration
 * replacement, versioned by wall-clock milliseconds (strictly increasing in one process), so that a
 * newer version replaces an older one wherever it comes from, and an older one never does.
 */
public final class RedisRateLimiters implements AutoCloseable {

	/** How long a key lives after its bucket would be full again; only a margin for clock drift. */
	private static final Duration KEEP_AFTER_REFILL = Duration.ofMinutes(1);

	private final StatefulRedisConnection<byte[], byte[]> connection;

	private final ProxyManager<byte[]> proxies;

	private final String keyPrefix;

	private final AtomicLong lastVersion = new AtomicLong();

	/** Guarded by {@code this}; the acquire path never takes that lock. */
	private final Map<String, ClusterLimit> limits = new LinkedHashMap<>();

	/** Guarded by {@code this}: told of every limit, now and later (metrics). */
	private final List<Consumer<ClusterLimit>> listeners = new ArrayList<>();

	private boolean closed;

	private RedisRateLimiters(StatefulRedisConnection<byte[], byte[]> connection, ProxyManager<byte[]> proxies,
			String keyPrefix) {
		this.connection = connection;
		this.proxies = proxies;
		this.keyPrefix = keyPrefix;
	}

	/**
	 * Opens a connection of its own with the given client, and keeps every limiter's bucket under the
	 * given key prefix (which may be empty).
	 * @throws io.lettuce.core.RedisConnectionException if Redis cannot be reached
	 */
	public static RedisRateLimiters create(RedisClient client, String keyPrefix) {
		Objects.requireNonNull(client, "client");
		Objects.requireNonNull(keyPrefix, "keyPrefix");
		StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
		try {
			ProxyManager<byte[]> proxies = Bucket4jLettuce.casBasedBuilder(connection)
				.expirationAfterWrite(
						ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(KEEP_AFTER_REFILL))
				.build();
			return new RedisRateLimiters(connection, proxies, keyPrefix);
		}
		catch (RuntimeException | Error ex) {
			connection.close();
			throw ex;
		}
	}

	/**
	 * Makes a limiter whose permits every instance shares: the same name, with the same key prefix,
	 * on any instance, is the same budget.
	 * @throws IllegalArgumentException if a limiter of that name exists here already
	 * @throws IllegalStateException if this is closed
	 */
	public synchronized RateLimiter create(String name, RateLimitConfig config, ClusterLimitOptions options) {
		if (name == null || name.isBlank()) {
			throw new IllegalArgumentException("name must not be blank");
		}
		Objects.requireNonNull(config, "config");
		Objects.requireNonNull(options, "options");
		if (this.closed) {
			throw new IllegalStateException(
					"Cannot create rate limiter '" + name + "': its Redis connection is closed");
		}
		if (this.limits.containsKey(name)) {
			throw new IllegalArgumentException("A cluster rate limiter named '" + name + "' exists already");
		}
		ClusterLimit limit = new ClusterLimit(this, name,
				(this.keyPrefix + "ratelimit:" + name).getBytes(StandardCharsets.UTF_8), options);
		RateLimiter limiter = RateLimiter.create(name, config, limit::newStore);
		limit.limiter = limiter;
		this.limits.put(name, limit);
		this.listeners.forEach((listener) -> listener.accept(limit));
		return limiter;
	}

	/** A snapshot of each limiter's link to Redis, in the order they were made. */
	public synchronized List<ClusterLimiterStats> stats() {
		return this.limits.values().stream().map(ClusterLimit::stats).toList();
	}

	/**
	 * Whether Redis answers a PING on this connection within the timeout. Never throws; an interrupt
	 * makes it answer {@code false} at once, with the thread's interrupt status set.
	 */
	public boolean ping(Duration timeout) {
		Objects.requireNonNull(timeout, "timeout");
		try {
			String reply = this.connection.async().ping().get(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
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
	 * Shuts down every limiter made here (later calls fail with reason {@code SHUT_DOWN}) and closes
	 * the connection. Idempotent.
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
		}
		this.connection.close();
	}

	/** Runs the action for every limit made here, and for every one made later. */
	synchronized void forEachLimit(Consumer<ClusterLimit> action) {
		this.limits.values().forEach(action);
		this.listeners.add(action);
	}

	/** A limit's current store has closed: its limiter has shut down, and its name is free. */
	synchronized void release(ClusterLimit limit) {
		this.limits.remove(limit.name, limit);
	}

	/** A version for new settings, later than any this process gave before. */
	long nextConfigurationVersion() {
		return this.lastVersion.updateAndGet((last) -> Math.max(last + 1, System.currentTimeMillis()));
	}

	/** A proxy for the bucket at the key, with the given settings as the given version. */
	AsyncBucketProxy proxy(byte[] key, BucketConfiguration configuration, long version) {
		return this.proxies.asAsync()
			.builder()
			.withOptimization(Optimizations.batching())
			.withImplicitConfigurationReplacement(version, TokensInheritanceStrategy.PROPORTIONALLY)
			.build(key, () -> CompletableFuture.completedFuture(configuration));
	}

	/** The classic token bucket of the settings: {@code burst} at most, refilled greedily. */
	static BucketConfiguration bucketConfiguration(RateLimitConfig config) {
		return BucketConfiguration.builder()
			.addLimit((limit) -> limit.capacity(config.burst()).refillGreedy(config.rate(), config.per()))
			.build();
	}
}
