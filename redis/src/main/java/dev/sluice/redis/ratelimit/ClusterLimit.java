package dev.sluice.redis.ratelimit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import dev.sluice.ratelimit.PermitStore;
import dev.sluice.ratelimit.RateLimitConfig;
import dev.sluice.ratelimit.RateLimiter;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.VerboseResult;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import org.jspecify.annotations.Nullable;

/**
 * What one named cluster limiter keeps across its stores: its key, options and counters,
 * what Redis last answered, whether Redis is known to be away, and whether the limiter
 * has shut down. A limiter gets a new {@link RedisPermitStore} each time its settings
 * change; this outlives them all. Thread-safe.
 *
 * <p>
 * Design notes. The outage is one {@link AtomicReference} to an {@link Outage},
 * {@code null} while Redis answers: the first conclusive failure sets it, the first
 * success clears it. While it is set, the time of the next probe is claimed by
 * compare-and-set, so that exactly one caller per retry interval pays a round trip.
 * Callers that wait for Redis park, registered in {@link #waiters}; the end of the outage
 * and the shutdown unpark them all (each re-checks after registering, so none misses a
 * wake-up). The limiter has shut down when the store of its current settings closes, or
 * any store closes once the core limiter says it is shut down (a change of settings
 * racing the shutdown may leave the newest store unclosed); from then on every store
 * refuses with {@code SHUT_DOWN}, and the name is free again.
 */
final class ClusterLimit {

	/** The shortest time between two probes of an absent Redis. */
	static final Duration MIN_RETRY_INTERVAL = Duration.ofSeconds(1);

	final String name;

	final byte[] key;

	final ClusterLimitOptions options;

	final long operationTimeoutNanos;

	final long retryIntervalNanos;

	final LongAdder roundTrips = new LongAdder();

	final LongAdder failedRoundTrips = new LongAdder();

	final LongAdder grantedLocally = new LongAdder();

	/** What Redis last answered to a take, for the answers given without a round trip. */
	volatile @Nullable Reply lastReply;

	/** The limiter this belongs to, once made; for closing it with its owner. */
	volatile @Nullable RateLimiter limiter;

	private final RedisRateLimiters owner;

	private final AtomicReference<Outage> outage = new AtomicReference<>();

	/**
	 * The callers parked until the outage ends, a probe is due, or the limiter shuts
	 * down.
	 */
	private final Set<Thread> waiters = ConcurrentHashMap.newKeySet();

	private volatile @Nullable String lastError;

	/**
	 * The store of the current settings; an older one closing means only a change of
	 * settings.
	 */
	private volatile @Nullable RedisPermitStore current;

	private volatile boolean shutdown;

	/** The version of the current settings, which the keys' buckets are given too. */
	private volatile long version;

	/**
	 * Guarded by {@code this}: run once, when the limiter shuts down (such as removing
	 * meters).
	 */
	private final List<Runnable> onShutdown = new ArrayList<>();

	ClusterLimit(RedisRateLimiters owner, String name, byte[] key, ClusterLimitOptions options) {
		this.owner = owner;
		this.name = name;
		this.key = key;
		this.options = options;
		this.operationTimeoutNanos = options.operationTimeout().toNanos();
		this.retryIntervalNanos = Math.max(MIN_RETRY_INTERVAL.toNanos(), this.operationTimeoutNanos);
		Throwable connectError = owner.connectError();
		if (connectError != null) {
			// Redis was away when last tried: start in the outage, with a probe due at
			// once
			this.lastError = "Not connected: " + describe(connectError);
			this.outage.set(new Outage(Instant.now(), System.nanoTime()));
		}
	}

	/**
	 * The limiter's {@link PermitStore.Factory}: a store for the given settings. When the
	 * settings change, the new store is told to push them to Redis at once, so that every
	 * instance sees them. Never throws; it may wait for Redis up to the operation
	 * timeout, for the settings' version.
	 */
	PermitStore newStore(String name, RateLimitConfig config) {
		BucketConfiguration bucket = RedisRateLimiters.bucketConfiguration(config);
		long version = this.owner
			.nextConfigurationVersion((this.outage.get() == null && !this.shutdown) ? this.operationTimeoutNanos : 0);
		this.version = version;
		RedisPermitStore store = new RedisPermitStore(this, config, () -> this.owner.proxy(this.key, bucket, version),
				false);
		RedisPermitStore previous = this.current;
		this.current = store;
		AsyncBucketProxy proxy = store.proxy();
		if (previous != null && proxy != null && !this.shutdown) {
			push(proxy);
		}
		return store;
	}

	/**
	 * The store of one key ({@link RateLimiter#forKey}): a bucket of its own at
	 * {@code <limiter's key>:key:<key>}, with the version of the limiter's current
	 * settings, so that a change of settings reaches each key's bucket with its next
	 * take. Its answers without a round trip come from its own last reply; closing it
	 * (its key evicted here) leaves the limiter and the bucket as they are: the bucket
	 * expires in Redis on its own.
	 */
	PermitStore newKeyStore(String key, RateLimitConfig config) {
		BucketConfiguration bucket = RedisRateLimiters.bucketConfiguration(config);
		long version = this.version;
		byte[] name = (new String(this.key, StandardCharsets.UTF_8) + ":key:" + key).getBytes(StandardCharsets.UTF_8);
		return new RedisPermitStore(this, config, () -> this.owner.proxy(name, bucket, version), true);
	}

	/** The limiter's stores: its own, and each key's. */
	PermitStore.Factory stores() {
		return new PermitStore.Factory() {

			@Override
			public PermitStore create(String name, RateLimitConfig config) {
				return newStore(name, config);
			}

			@Override
			public PermitStore createForKey(String name, String key, RateLimitConfig config) {
				return newKeyStore(key, config);
			}

		};
	}

	/**
	 * Sends the new settings with a read, without waiting for it: the read carries the
	 * settings' version, and Redis takes them when they are newer than its own. If Redis
	 * is away, Lettuce may hold the read until it reconnects, which is when the settings
	 * are wanted there anyway; without a connection yet, the next round trip carries
	 * them.
	 */
	private void push(AsyncBucketProxy proxy) {
		this.roundTrips.increment();
		try {
			proxy.getAvailableTokens().whenComplete((tokens, error) -> {
				if (error != null) {
					this.failedRoundTrips.increment();
					this.lastError = describe(error);
				}
			});
		}
		catch (RuntimeException ex) {
			this.failedRoundTrips.increment();
			this.lastError = describe(ex);
		}
	}

	/**
	 * Called when a store closes. The core limiter closes the old store after a change of
	 * settings, and the current one when it shuts down (having marked itself shut down
	 * first).
	 */
	void closed(RedisPermitStore store) {
		RateLimiter limiter = this.limiter;
		if (this.current == store || (limiter != null && limiter.isShutdown())) {
			shutdown();
		}
	}

	/**
	 * The limiter has shut down: wakes every waiting caller (who then refuses with
	 * {@code SHUT_DOWN}), runs the shutdown actions, then frees the name. Idempotent.
	 */
	void shutdown() {
		List<Runnable> actions;
		synchronized (this) {
			if (this.shutdown) {
				return;
			}
			this.shutdown = true;
			actions = new ArrayList<>(this.onShutdown);
			this.onShutdown.clear();
		}
		wakeWaiters();
		for (Runnable action : actions) {
			try {
				action.run();
			}
			catch (RuntimeException ex) {
				// one failing action (such as a registry that throws) must not keep the
				// name taken
			}
		}
		// last, so that whatever the actions undo (meters) is gone before the name can be
		// taken again
		this.owner.release(this);
	}

	boolean isShutdown() {
		return this.shutdown;
	}

	/** Runs the action when the limiter shuts down, or at once if it has. */
	void onShutdown(Runnable action) {
		synchronized (this) {
			if (!this.shutdown) {
				this.onShutdown.add(action);
				return;
			}
		}
		action.run();
	}

	@Nullable Outage outage() {
		return this.outage.get();
	}

	/** The connection, at once or when the attempt in flight (or a new one) makes it. */
	CompletableFuture<RedisRateLimiters.Link> connection() {
		return this.owner.connection();
	}

	/**
	 * Parks the caller until the outage ends, the limiter shuts down, an unpark, or the
	 * time is up, whichever comes first.
	 * @throws InterruptedException if the caller is interrupted (its interrupt status is
	 * cleared)
	 */
	void awaitEnd(Outage outage, long nanos) throws InterruptedException {
		Thread me = Thread.currentThread();
		this.waiters.add(me);
		try {
			// checked after registering: a change made before this is seen here, one made
			// after unparks
			if (nanos > 0 && this.outage.get() == outage && !this.shutdown && !me.isInterrupted()) {
				LockSupport.parkNanos(this, nanos);
			}
		}
		finally {
			this.waiters.remove(me);
		}
		if (Thread.interrupted()) {
			throw new InterruptedException("Interrupted while waiting for Redis for rate limiter '" + this.name + "'");
		}
	}

	private void wakeWaiters() {
		this.waiters.forEach(LockSupport::unpark);
	}

	/**
	 * Redis answered a take: the reply, kept here too unless it was a key's.
	 */
	Reply answered(ConsumptionProbe probe, int permits, long nanoTime, boolean keyed) {
		Reply reply = new Reply(probe.isConsumed(), probe.getRemainingTokens(), probe.getNanosToWaitForRefill(),
				permits, nanoTime);
		if (!keyed) {
			this.lastReply = reply;
		}
		Outage over = this.outage.getAndSet(null);
		if (over != null) {
			wakeWaiters();
		}
		return reply;
	}

	/**
	 * A round trip failed. A conclusive failure (an error, or no answer within the whole
	 * operation timeout) starts an outage, or moves its next probe a retry interval on; a
	 * round trip cut short by the caller's own deadline says nothing about Redis.
	 */
	void failed(Throwable error, boolean conclusive, long nanoTime) {
		this.failedRoundTrips.increment();
		this.lastError = describe(error);
		if (!conclusive) {
			return;
		}
		long nextProbe = nanoTime + this.retryIntervalNanos;
		while (true) {
			Outage current = this.outage.get();
			if (current != null) {
				current.nextProbe.set(nextProbe);
				return;
			}
			if (this.outage.compareAndSet(null, new Outage(Instant.now(), nextProbe))) {
				return;
			}
		}
	}

	private String describe(Throwable error) {
		while ((error instanceof ExecutionException || error instanceof CompletionException)
				&& error.getCause() != null) {
			error = error.getCause();
		}
		if (error instanceof TimeoutException) {
			return "No answer within " + this.options.operationTimeout().toMillis() + "ms";
		}
		if (error instanceof CancellationException) {
			return "Round trip cancelled";
		}
		String message = error.getMessage();
		return error.getClass().getSimpleName() + ((message != null) ? ": " + message : "");
	}

	/**
	 * Asks Redis for the settings it holds for this limiter, without waiting: a read of
	 * the bucket that answers with its configuration (carrying this instance's settings
	 * and version, as every take does, so Redis keeps the newer). Not counted as a round
	 * trip of the limiter's. {@code null} while Redis is known to be away, before there
	 * is a connection, or once shut down.
	 */
	@Nullable CompletableFuture<VerboseResult<Long>> readSettings() {
		RedisPermitStore store = this.current;
		AsyncBucketProxy proxy = (store != null) ? store.proxy() : null;
		if (proxy == null || this.outage.get() != null || this.shutdown) {
			return null;
		}
		try {
			return proxy.asVerbose().getAvailableTokens();
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

	ClusterLimiterStats stats(@Nullable BucketConfiguration effective) {
		Outage outage = this.outage.get();
		return new ClusterLimiterStats(this.name, this.options.onOutage(), outage == null, this.roundTrips.sum(),
				this.failedRoundTrips.sum(), this.grantedLocally.sum(), (outage != null) ? outage.since : null,
				this.lastError, settings(effective));
	}

	private static ClusterLimiterStats.@Nullable Settings settings(@Nullable BucketConfiguration configuration) {
		if (configuration == null || configuration.getBandwidths().length == 0) {
			return null;
		}
		// one bandwidth, as RedisRateLimiters.bucketConfiguration makes it
		Bandwidth bandwidth = configuration.getBandwidths()[0];
		return new ClusterLimiterStats.Settings(bandwidth.getRefillTokens(),
				Duration.ofNanos(bandwidth.getRefillPeriodNanos()), bandwidth.getCapacity());
	}

	@Nullable String lastError() {
		return this.lastError;
	}

	/** A time when Redis is known to be away. */
	static final class Outage {

		final Instant since;

		/** {@link System#nanoTime()} from which the next probe may be claimed. */
		final AtomicLong nextProbe;

		Outage(Instant since, long nextProbe) {
			this.since = since;
			this.nextProbe = new AtomicLong(nextProbe);
		}

		/**
		 * Whether the caller may probe Redis now; if so, no one else may for a retry
		 * interval.
		 */
		boolean claimProbe(long nanoTime, long retryIntervalNanos) {
			long next = this.nextProbe.get();
			return nanoTime - next >= 0 && this.nextProbe.compareAndSet(next, nanoTime + retryIntervalNanos);
		}

		long nanosToProbe(long nanoTime) {
			return Math.max(0, this.nextProbe.get() - nanoTime);
		}

	}

	/**
	 * Redis's answer to a take: whether it was granted, what remained, and how long for
	 * the rest.
	 */
	record Reply(boolean consumed, long remaining, long nanosToWait, int permits, long nanoTime) {
	}

}
