package dev.sluice.redis.ratelimit;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import dev.sluice.ratelimit.OutagePolicy;
import dev.sluice.ratelimit.PermitStore;
import dev.sluice.ratelimit.RateLimitConfig;
import dev.sluice.ratelimit.RateLimitExceededException;
import dev.sluice.ratelimit.RateLimiter;
import dev.sluice.redis.ratelimit.RedisRateLimiters.Link;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import org.jspecify.annotations.Nullable;

/**
 * The permits of one cluster limiter's settings, in a Bucket4j bucket in Redis, with a
 * local limiter of the same settings for failing open. Thread-safe; {@link #tryTake}
 * blocks for at most one bounded round trip, or, under {@link OutagePolicy#WAIT}, until
 * the caller's time is up.
 *
 * <p>
 * Design notes. Each round trip goes through Bucket4j's asynchronous proxy and is waited
 * for with {@code CompletableFuture.get(timeout)}, bounded by the caller's remaining time
 * and the operation timeout, because the synchronous proxy cannot be bounded per call. A
 * conclusive failure replaces the proxy with a fresh one: a batching proxy sends nothing
 * while its batch is in flight, and a batch that Redis never answers must not hold every
 * later take behind it. The answers given without a round trip ({@link #available()},
 * {@link #nanosToNextPermit()}) come from the last reply, kept by the
 * {@link ClusterLimit}, or from the local limiter while failing open.
 *
 * <p>
 * Before the first connection is made there is no proxy: a round trip then waits for the
 * connection attempt, within the same bound, and fails as a round trip would when the
 * attempt does. Once the limiter has shut down, every call refuses with
 * {@code SHUT_DOWN}, and a caller parked waiting for Redis is woken for that at once.
 */
final class RedisPermitStore implements PermitStore {

	/** What {@link #roundTrip} answers when Redis did not. */
	private static final long FAILED = -1;

	private final ClusterLimit limit;

	private final RateLimitConfig config;

	/** A proxy for these settings, or {@code null} while there is no connection. */
	private final Supplier<@Nullable AsyncBucketProxy> proxies;

	/** {@code null} until the connection is made. */
	private volatile @Nullable AsyncBucketProxy proxy;

	/** Permits while Redis is away and the policy is to fail open. */
	private final PermitStore local;

	/** How long one permit takes to refill: {@code per / rate}. */
	private final long nanosPerPermit;

	/** Whether this is a key's store ({@link ClusterLimit#newKeyStore}). */
	private final boolean keyed;

	/** A key's store's last reply; the limiter's own store keeps its in the limit. */
	private volatile ClusterLimit.@Nullable Reply keyReply;

	RedisPermitStore(ClusterLimit limit, RateLimitConfig config, Supplier<@Nullable AsyncBucketProxy> proxies,
			boolean keyed) {
		this.keyed = keyed;
		this.limit = limit;
		this.config = config;
		this.proxies = proxies;
		this.proxy = proxies.get();
		this.local = RateLimiter.create(limit.name, config).store();
		this.nanosPerPermit = Math.max(1, config.per().toNanos() / config.rate());
	}

	@Nullable AsyncBucketProxy proxy() {
		return this.proxy;
	}

	@Override
	public long tryTake(int permits, long maxWaitNanos) throws InterruptedException {
		OutagePolicy policy = this.limit.options.onOutage();
		boolean waits = maxWaitNanos > 0;
		long now = System.nanoTime();
		// compared only by difference, which stays right when the sum overflows
		long deadline = now + Math.max(0, maxWaitNanos);
		while (true) {
			if (this.limit.isShutdown()) {
				throw shutdown();
			}
			ClusterLimit.Outage outage = this.limit.outage();
			if (outage != null) {
				if (waits && deadline - now <= 0) {
					// only a waiting caller comes back here, and its time is up
					throw unavailable();
				}
				if (!outage.claimProbe(now, this.limit.retryIntervalNanos)) {
					// Redis is known to be away, and it is not this caller's turn to
					// probe it
					switch (policy) {
						case FAIL_OPEN -> {
							return takeLocally(permits);
						}
						case FAIL_CLOSED -> throw unavailable();
						case WAIT -> {
							if (!waits) {
								throw unavailable();
							}
							this.limit.awaitEnd(outage, Math.min(deadline - now, outage.nanosToProbe(now)));
							now = System.nanoTime();
							continue;
						}
					}
				}
			}
			long bound = waits ? Math.min(deadline - now, this.limit.operationTimeoutNanos)
					: this.limit.operationTimeoutNanos;
			long answer = roundTrip(permits, bound, now);
			if (answer != FAILED) {
				return answer;
			}
			switch (policy) {
				case FAIL_OPEN -> {
					return takeLocally(permits);
				}
				case FAIL_CLOSED -> throw unavailable();
				case WAIT -> {
					now = System.nanoTime();
					if (!waits || deadline - now <= 0) {
						throw unavailable();
					}
				}
			}
		}
	}

	/**
	 * One take in Redis, waited for at most {@code bound}: zero or the nanoseconds until
	 * the permits come, or {@link #FAILED} when Redis did not answer (or is known to be
	 * away and did not answer in the caller's time).
	 */
	private long roundTrip(int permits, long bound, long started) throws InterruptedException {
		AsyncBucketProxy proxy = this.proxy;
		this.limit.roundTrips.increment();
		// whether no answer within the bound says that Redis is away, connecting included
		boolean wholeTimeout = bound >= this.limit.operationTimeoutNanos;
		if (proxy == null) {
			long[] answer = new long[1];
			proxy = connectedProxy(bound, started, answer);
			if (proxy == null) {
				return answer[0];
			}
			bound -= System.nanoTime() - started;
			if (bound <= 0) {
				// connected just as the caller's time ran out
				return (this.limit.outage() == null) ? Math.max(1, nanosToNextPermit()) : FAILED;
			}
		}
		CompletableFuture<ConsumptionProbe> reply = null;
		try {
			reply = proxy.tryConsumeAndReturnRemaining(permits);
			ConsumptionProbe probe = reply.get(bound, TimeUnit.NANOSECONDS);
			answered(probe, permits);
			return probe.isConsumed() ? 0 : Math.max(1, probe.getNanosToWaitForRefill());
		}
		catch (TimeoutException ex) {
			if (wholeTimeout) {
				this.limit.failed(ex, true, System.nanoTime());
				replaceProxy(proxy);
				return FAILED;
			}
			// The caller's time ran out first, which says nothing yet about Redis: the
			// reply decides
			// later. Meanwhile, unless Redis is known to be away, the caller is refused
			// as for want of
			// permits (its time is up), never granted locally, so that a slow Redis is
			// not bypassed.
			follow(reply, proxy, permits, started);
			return (this.limit.outage() == null) ? Math.max(1, nanosToNextPermit()) : FAILED;
		}
		catch (ExecutionException | RuntimeException ex) {
			// a runtime exception comes before any reply, such as from a closed
			// connection
			this.limit.failed(ex, true, System.nanoTime());
			return FAILED;
		}
		catch (InterruptedException ex) {
			follow(reply, proxy, permits, started);
			throw ex;
		}
	}

	/**
	 * Waits for the connection, at most {@code bound}: a proxy once it is made, or
	 * {@code null} with the round trip's answer in {@code answer[0]} when it is not (see
	 * {@link #roundTrip}).
	 */
	private @Nullable AsyncBucketProxy connectedProxy(long bound, long started, long[] answer)
			throws InterruptedException {
		CompletableFuture<Link> connection = this.limit.connection();
		try {
			connection.get(Math.max(0, bound), TimeUnit.NANOSECONDS);
		}
		catch (TimeoutException ex) {
			if (bound >= this.limit.operationTimeoutNanos) {
				this.limit.failed(ex, true, System.nanoTime());
				answer[0] = FAILED;
				return null;
			}
			// the caller's time ran out first: treated as a slow round trip is, the
			// attempt deciding later
			long left = this.limit.operationTimeoutNanos - (System.nanoTime() - started);
			connection.copy().orTimeout(Math.max(0, left), TimeUnit.NANOSECONDS).whenComplete((link, error) -> {
				if (error != null) {
					this.limit.failed(error, true, System.nanoTime());
				}
			});
			answer[0] = (this.limit.outage() == null) ? Math.max(1, nanosToNextPermit()) : FAILED;
			return null;
		}
		catch (ExecutionException | RuntimeException ex) {
			this.limit.failed(ex, true, System.nanoTime());
			answer[0] = FAILED;
			return null;
		}
		AsyncBucketProxy proxy = this.proxy;
		if (proxy == null) {
			proxy = this.proxies.get();
			this.proxy = proxy;
		}
		if (proxy == null) {
			// cannot happen: a connection once made stays
			this.limit.failed(new IllegalStateException("Not connected"), true, System.nanoTime());
			answer[0] = FAILED;
		}
		return proxy;
	}

	/**
	 * Lets a round trip that its caller gave up on still tell whether Redis answers: by
	 * its reply, or by its silence until the operation timeout from its start. What it
	 * took, nobody uses.
	 */
	private void follow(@Nullable CompletableFuture<ConsumptionProbe> reply, AsyncBucketProxy proxy, int permits,
			long started) {
		if (reply == null) {
			return;
		}
		long left = this.limit.operationTimeoutNanos - (System.nanoTime() - started);
		reply.orTimeout(Math.max(0, left), TimeUnit.NANOSECONDS).whenComplete((probe, error) -> {
			if (error == null) {
				answered(probe, permits);
			}
			else {
				this.limit.failed(error, true, System.nanoTime());
				if (error instanceof TimeoutException) {
					replaceProxy(proxy);
				}
			}
		});
	}

	/**
	 * Swaps a proxy whose batch may never be answered for a fresh one, unless that
	 * happened already.
	 */
	private void replaceProxy(AsyncBucketProxy stuck) {
		if (stuck != null && this.proxy == stuck) {
			this.proxy = this.proxies.get();
		}
	}

	private void answered(ConsumptionProbe probe, int permits) {
		ClusterLimit.Reply reply = this.limit.answered(probe, permits, System.nanoTime(), this.keyed);
		if (this.keyed) {
			this.keyReply = reply;
		}
	}

	private ClusterLimit.@Nullable Reply lastReply() {
		return this.keyed ? this.keyReply : this.limit.lastReply;
	}

	private long takeLocally(int permits) throws InterruptedException {
		long wait = this.local.tryTake(permits, 0);
		if (wait == 0) {
			this.limit.grantedLocally.add(permits);
		}
		return wait;
	}

	private RateLimitExceededException shutdown() {
		return new RateLimitExceededException(this.limit.name, RateLimitExceededException.Reason.SHUT_DOWN,
				Duration.ZERO, "Rate limiter '" + this.limit.name + "' is shut down and gives no more permits");
	}

	private RateLimitExceededException unavailable() {
		ClusterLimit.Outage outage = this.limit.outage();
		String error = this.limit.lastError();
		return new RateLimitExceededException(this.limit.name, RateLimitExceededException.Reason.UNAVAILABLE,
				Duration.ZERO,
				"Rate limiter '" + this.limit.name + "' could not reach Redis"
						+ ((outage != null) ? " (unreachable since " + outage.since + ")" : "")
						+ ((error != null) ? ": " + error : ""));
	}

	private boolean failingOpen() {
		return this.limit.options.onOutage() == OutagePolicy.FAIL_OPEN && this.limit.outage() != null;
	}

	@Override
	public int available() {
		if (failingOpen()) {
			return this.local.available();
		}
		ClusterLimit.Reply reply = lastReply();
		if (reply == null) {
			// nothing asked yet: a bucket that does not exist yet starts full
			return this.config.burst();
		}
		return (int) Math.max(0, Math.min(reply.remaining(), Integer.MAX_VALUE));
	}

	@Override
	public long nanosToNextPermit() {
		if (failingOpen()) {
			return this.local.nanosToNextPermit();
		}
		ClusterLimit.Reply reply = lastReply();
		if (reply == null || reply.remaining() > 0) {
			return 0;
		}
		// a refused take of several says when all of them come; one comes no later than a
		// permit's refill
		long forOne = (!reply.consumed() && reply.permits() == 1) ? reply.nanosToWait()
				: Math.min(reply.consumed() ? Long.MAX_VALUE : reply.nanosToWait(), this.nanosPerPermit);
		return Math.max(0, forOne - (System.nanoTime() - reply.nanoTime()));
	}

	@Override
	public void close() {
		if (!this.keyed) {
			this.limit.closed(this);
		}
	}

}
