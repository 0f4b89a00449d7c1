package dev.sluice.benchmarks;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import dev.sluice.ratelimit.OutagePolicy;
import dev.sluice.ratelimit.RateLimitConfig;
import dev.sluice.ratelimit.RateLimiter;
import dev.sluice.redis.ratelimit.ClusterLimitOptions;
import dev.sluice.redis.ratelimit.ClusterLimiterStats;
import dev.sluice.redis.ratelimit.RedisRateLimiters;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;

/**
 * Acquires per second of a <em>cluster</em> rate limiter, whose permits live in Redis
 * (loopback, by default {@code redis://127.0.0.1:6379}; see {@link RedisServerProbe}), at
 * 1 and at 4 concurrent callers in one process. Two ways, in one JMH run:
 * <ul>
 * <li>{@code *_sluice}: a limiter from {@link RedisRateLimiters}
 * ({@link OutagePolicy#FAIL_CLOSED}, so that every permit it grants was granted by Redis,
 * never locally; operation timeout 1 s), and {@link RateLimiter#tryAcquire()}. Sluice
 * reaches Bucket4j's compare-and-swap proxy manager on Lettuce through an asynchronous
 * proxy with Bucket4j's <em>batching</em> optimisation: the takes that this process makes
 * while one is in flight go to Redis together, as one read and one compare-and-swap.</li>
 * <li>{@code *_bucket4j}: Bucket4j on Lettuce as its documentation sets it up, with its
 * defaults: {@code Bucket4jLettuce.casBasedBuilder(connection).build()},
 * {@code proxyManager.builder().build(key,
 * configuration)}, and {@link BucketProxy#tryConsume(long) tryConsume(1)}. Every call is
 * one read (GET) and one compare-and-swap (a Lua script); when callers of the same
 * process race for the same bucket, the losers read and try again.</li>
 * </ul>
 * Both buckets have the same configuration, Sluice's for {@value #RATE} permits per
 * second with a burst of as many: capacity {@value #RATE}, greedy refill of
 * {@value #RATE} a second. That is far more than the callers can take, so every call is
 * granted and the score is the round-trip cost, not refusals. Each iteration checks that
 * no call was refused (and that Sluice had no failed round trip), and fails the run
 * otherwise. The two sides use different keys under a prefix of the run's own, and each
 * has its own {@link RedisClient} and connection, made once per trial; the keys are
 * deleted at its end.
 *
 * <p>
 * The limiters are shared by the threads of a run ({@link Scope#Benchmark}); the thread
 * count is in each method's name ({@code threads1_} / {@code threads4_}), as JMH's table
 * does not show it. Don't pass {@code -t}. Throughput mode: acquires per second, all
 * threads together.
 *
 * <p>
 * Around every iteration the {@link RedisServerProbe} prints the Redis server's CPU share
 * and the commands Redis executed per acquire.
 *
 * <p>
 * Goal: Sluice at least 2x Bucket4j's default throughput at 4 callers.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class RedisRateLimiterBenchmark {

	/**
	 * Permits per second and burst of both buckets: far more than any caller can take.
	 */
	static final int RATE = 1_000_000_000;

	/** {@value #RATE} per second, a burst of {@value #RATE}, no waiting. */
	static final RateLimitConfig CONFIG = RateLimitConfig.perSecond(RATE);

	/**
	 * The bucket Sluice makes of {@link #CONFIG}: capacity = burst, greedy refill of rate
	 * per {@code per}.
	 */
	static final BucketConfiguration BUCKET = BucketConfiguration.builder()
		.addLimit((limit) -> limit.capacity(CONFIG.burst()).refillGreedy(CONFIG.rate(), CONFIG.per()))
		.build();

	/** Sluice fails closed: a permit granted is a permit Redis granted. */
	static final ClusterLimitOptions OPTIONS = new ClusterLimitOptions(OutagePolicy.FAIL_CLOSED, Duration.ofSeconds(1));

	/** The counts and checks both sides share. */
	abstract static class Side {

		final LongAdder granted = new LongAdder();

		final LongAdder refused = new LongAdder();

		String prefix;

		RedisServerProbe probe;

		final boolean count(boolean acquired) {
			if (acquired) {
				this.granted.increment();
			}
			else {
				this.refused.increment();
			}
			return acquired;
		}

		void startProbe(String label) {
			this.prefix = RedisServerProbe.uniquePrefix(label);
			this.probe = new RedisServerProbe(label);
		}

		@Setup(Level.Iteration)
		public void beginIteration(IterationParams iteration) {
			this.probe.begin(iteration, this.granted.sum() + this.refused.sum());
		}

		@TearDown(Level.Iteration)
		public void endIteration() {
			this.probe.end(this.granted.sum() + this.refused.sum());
			long refused = this.refused.sum();
			if (refused > 0) {
				throw new IllegalStateException(refused + " acquires were refused; the buckets must never run out");
			}
			check();
		}

		/** More checks after each iteration. */
		void check() {
		}

		void closeProbe() {
			if (this.probe != null) {
				this.probe.summary();
				this.probe.deleteKeys(this.prefix);
				this.probe.close();
			}
		}

	}

	@State(Scope.Benchmark)
	public static class SluiceSide extends Side {

		RedisClient client;

		RedisRateLimiters limiters;

		RateLimiter limiter;

		@Setup(Level.Trial)
		public void setUp() {
			startProbe("sluice-ratelimit");
			this.client = RedisClient.create(RedisServerProbe.uri());
			this.limiters = RedisRateLimiters.create(this.client, this.prefix);
			this.limiter = this.limiters.create("bench", CONFIG, OPTIONS);
		}

		@Override
		void check() {
			List<ClusterLimiterStats> stats = this.limiters.stats();
			for (ClusterLimiterStats limit : stats) {
				if (limit.failedRoundTrips() > 0 || limit.grantedLocally() > 0) {
					throw new IllegalStateException("The Sluice limiter did not always reach Redis: " + limit);
				}
			}
		}

		@TearDown(Level.Trial)
		public void tearDown() {
			try {
				if (this.limiters != null) {
					this.limiters.close();
				}
				if (this.client != null) {
					this.client.shutdown();
				}
			}
			finally {
				closeProbe();
			}
		}

	}

	@State(Scope.Benchmark)
	public static class Bucket4jSide extends Side {

		RedisClient client;

		StatefulRedisConnection<byte[], byte[]> connection;

		BucketProxy bucket;

		@Setup(Level.Trial)
		public void setUp() {
			startProbe("bucket4j-ratelimit");
			this.client = RedisClient.create(RedisServerProbe.uri());
			this.connection = this.client.connect(ByteArrayCodec.INSTANCE);
			ProxyManager<byte[]> proxies = Bucket4jLettuce.casBasedBuilder(this.connection).build();
			this.bucket = proxies.builder()
				.build((this.prefix + "bucket4j:bench").getBytes(StandardCharsets.UTF_8), BUCKET);
		}

		@TearDown(Level.Trial)
		public void tearDown() {
			try {
				if (this.connection != null) {
					this.connection.close();
				}
				if (this.client != null) {
					this.client.shutdown();
				}
			}
			finally {
				closeProbe();
			}
		}

	}

	// one caller

	@Benchmark
	@Threads(1)
	public boolean threads1_sluice(SluiceSide side) {
		return side.count(side.limiter.tryAcquire());
	}

	@Benchmark
	@Threads(1)
	public boolean threads1_bucket4j(Bucket4jSide side) {
		return side.count(side.bucket.tryConsume(1));
	}

	// four callers on the same limiter

	@Benchmark
	@Threads(4)
	public boolean threads4_sluice(SluiceSide side) {
		return side.count(side.limiter.tryAcquire());
	}

	@Benchmark
	@Threads(4)
	public boolean threads4_bucket4j(Bucket4jSide side) {
		return side.count(side.bucket.tryConsume(1));
	}

}
