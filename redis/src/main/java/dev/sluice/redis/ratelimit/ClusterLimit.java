package dev.sluice.redis.ratelimit;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import dev.sluice.ratelimit.PermitStore;
import dev.sluice.ratelimit.RateLimitConfig;
import dev.sluice.ratelimit.RateLimiter;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.AsyncBucketProxy;

/**
 * What one named cluster limiter keeps across its stores: its key, options and counters, what Redis
 * last answered, and whether Redis is known to be away. A limiter gets a new {@link RedisPermitStore}
 * each time its settings change; this outlives them all. Thread-safe.
 *
 * <p>Design notes. The outage is one {@link AtomicReference} to an {@link Outage}, {@code null} while
 * Redis answers: the first conclusive failure sets it, the first success clears it and opens its
 * latch, which wakes the callers that wait for Redis. While it is set, the time of the next probe is
 * claimed by compare-and-set, so that exactly one caller per retry interval pays a round trip.
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
	volatile Reply lastReply;

	/** The limiter this belongs to, once made; for closing it with its owner. */
	volatile RateLimiter limiter;

	private final RedisRateLimiters owner;

	private final AtomicReference<Outage> outage = new AtomicReference<>();

	private volatile String lastError;

	/** The store of the current settings; an older one closing must not release the name. */
	private volatile RedisPermitStore current;

	ClusterLimit(RedisRateLimiters owner, String name, byte[] key, ClusterLimitOptions options) {
		this.owner = owner;
		this.name = name;
		this.key = key;
		this.options = options;
		this.operationTimeoutNanos = options.operationTimeout().toNanos();
		this.retryIntervalNanos = Math.max(MIN_RETRY_INTERVAL.toNanos(), this.operationTimeoutNanos);
	}

	/**
	 * The limiter's {@link PermitStore.Factory}: a store for the given settings. When the settings
	 * change, the new store is told to push them to Redis at once, so that every instance sees them.
	 */
	PermitStore newStore(String name, RateLimitConfig config) {
		BucketConfiguration bucket = RedisRateLimiters.bucketConfiguration(config);
		long version = this.owner.nextConfigurationVersion();
		RedisPermitStore store = new RedisPermitStore(this, config, () -> this.owner.proxy(this.key, bucket, version));
		RedisPermitStore previous = this.current;
		this.current = store;
		if (previous != null) {
			push(store.proxy());
		}
		return store;
	}

	/**
	 * Sends the new settings with a read, without waiting for it: the read carries the settings'
	 * version, and Redis takes them when they are newer than its own. If Redis is away, Lettuce may
	 * hold the read until it reconnects, which is when the settings are wanted there anyway.
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

	/** Called when a store closes: the name is free again once the current store has closed. */
	void closed(RedisPermitStore store) {
		if (this.current == store) {
			this.owner.release(this);
		}
	}

	Outage outage() {
		return this.outage.get();
	}

	/** Redis answered a take. */
	void answered(ConsumptionProbe probe, int permits, long nanoTime) {
		this.lastReply = new Reply(probe.isConsumed(), probe.getRemainingTokens(), probe.getNanosToWaitForRefill(),
				permits, nanoTime);
		Outage over = this.outage.getAndSet(null);
		if (over != null) {
			over.end();
		}
	}

	/**
	 * A round trip failed. A conclusive failure (an error, or no answer within the whole operation
	 * timeout) starts an outage, or moves its next probe a retry interval on; a round trip cut short
	 * by the caller's own deadline says nothing about Redis.
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

	ClusterLimiterStats stats() {
		Outage outage = this.outage.get();
		return new ClusterLimiterStats(this.name, this.options.onOutage(), outage == null, this.roundTrips.sum(),
				this.failedRoundTrips.sum(), this.grantedLocally.sum(), (outage != null) ? outage.since : null,
				this.lastError);
	}

	String lastError() {
		return this.lastError;
	}

	/** A time when Redis is known to be away. */
	static final class Outage {

		final Instant since;

		/** {@link System#nanoTime()} from which the next probe may be claimed. */
		final AtomicLong nextProbe;

		private final CountDownLatch over = new CountDownLatch(1);

		Outage(Instant since, long nextProbe) {
			this.since = since;
			this.nextProbe = new AtomicLong(nextProbe);
		}

		/** Whether the caller may probe Redis now; if so, no one else may for a retry interval. */
		boolean claimProbe(long nanoTime, long retryIntervalNanos) {
			long next = this.nextProbe.get();
			return nanoTime - next >= 0 && this.nextProbe.compareAndSet(next, nanoTime + retryIntervalNanos);
		}

		long nanosToProbe(long nanoTime) {
			return Math.max(0, this.nextProbe.get() - nanoTime);
		}

		/** Waits until the outage ends or the time is up, whichever comes first. */
		void awaitEnd(long nanos) throws InterruptedException {
			this.over.await(nanos, TimeUnit.NANOSECONDS);
		}

		void end() {
			this.over.countDown();
		}
	}

	/** Redis's answer to a take: whether it was granted, what remained, and how long for the rest. */
	record Reply(boolean consumed, long remaining, long nanosToWait, int permits, long nanoTime) {
	}
}
