package dev.sluice.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.sluice.KeyLimits;
import dev.sluice.ratelimit.RateLimitConfig;
import dev.sluice.ratelimit.RateLimiter;
import dev.sluice.ratelimit.RateLimiterMetrics;
import io.github.bucket4j.Bucket;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Cost of a per-key acquire over {@code keys} live keys ({@value #MAX_KEYS} unless told
 * otherwise), beside a single-bucket acquire with the same settings, for Sluice and for
 * Bucket4j's local equivalent (issue 13).
 * <ul>
 * <li>{@code *_sluice_single}: {@link RateLimiter#tryAcquire()} on one limiter.</li>
 * <li>{@code *_sluice_keyed}: {@code limiter.forKey(key).tryAcquire()}, the limiter
 * bounded by {@link KeyLimits#defaults()} ({@value KeyLimits#DEFAULT_MAX} keys, 10
 * minutes idle). This and the one above are the pair the goal is about.</li>
 * <li>{@code *_bucket4j_single}: a Bucket4j local bucket's {@code tryConsume(1)}, one
 * bandwidth of the same capacity refilled all at once every refresh period
 * ({@code refillIntervally}), as in {@link RateLimiterBenchmark}.</li>
 * <li>{@code *_bucket4j_keyed}: the same bucket per key, kept in a Caffeine cache bounded
 * as Sluice's keys are ({@code maximumSize} {@value #MAX_KEYS}, {@code expireAfterAccess}
 * 10 minutes; Caffeine's defaults otherwise, so its upkeep runs on the common pool):
 * {@code cache.get(key, newBucket).tryConsume(1)}.</li>
 * </ul>
 * Every bucket, single or per key, allows {@value RateLimiterBenchmark#RATE} permits per
 * second with a burst of as many, so every acquire succeeds and the score is the acquire
 * path (lookup included), never waiting or refusing. Each iteration checks that no
 * acquire was refused and that no key was evicted or made anew, and fails the run
 * otherwise: the keyed scores are lookups of live keys, not the cost of churn.
 *
 * <p>
 * The keys ({@code "user-0"} ...) are all made in the setup. The lookups use other
 * {@code String} instances of the same text, so each lookup compares the text (as a key
 * built from a request would), though their hash codes are cached after the first round
 * (as a request's would not be). Each thread follows one fixed walk over the keys,
 * advancing an index per op, so making the key is not measured; the second thread starts
 * half way round, so two threads mostly touch different keys. The walk ({@code mix}) is
 * {@code uniform}, every key once in turn in a shuffled order (the worst case for the
 * CPU's caches: no key's state is still near when it comes round again), or
 * {@code skewed}, 131,072 steps drawn from a Zipf distribution over the keys, as real
 * traffic is.
 *
 * <p>
 * The single buckets are shared by all the threads of a run ({@link Scope#Benchmark}), so
 * the {@code threads2_*_single} methods measure two threads contending on one bucket,
 * while {@code threads2_*_keyed} measure two threads on one map of mostly different keys.
 * The thread count is in each method's name, as JMH's table does not show it.
 *
 * <p>
 * Goal: a keyed acquire costs at most twice a single-bucket acquire ({@code sluice_keyed}
 * against {@code sluice_single}, at 1 and at 2 threads).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class KeyedRateLimitBenchmark {

	/** The most keys kept on both sides: Sluice's default {@code keys.max}. */
	static final int MAX_KEYS = KeyLimits.DEFAULT_MAX;

	static final RateLimitConfig CONFIG = RateLimiterBenchmark.CONFIG;

	/**
	 * Live keys, all of them walked in turn: {@value #MAX_KEYS} (as many as are kept, so
	 * none is evicted) for the goal; fewer, such as 16, to see the same code path with
	 * every key in the CPU's caches.
	 */
	@Param("10000")
	private int keys;

	private RateLimiter sluiceSingle;

	private RateLimiter sluiceKeyed;

	private SimpleMeterRegistry registry;

	private Bucket bucket4jSingle;

	private Cache<String, Bucket> bucket4jKeys;

	/** Made once, so that a lookup allocates no lambda. */
	private Function<String, Bucket> newBucket;

	/**
	 * How the ops pick their keys: {@code uniform}, each key once in turn; or
	 * {@code skewed}, a Zipf distribution (exponent 1) over the keys, as real traffic is
	 * (the hottest key has about a tenth of the ops at 10,000 keys, and the 1,000 hottest
	 * about three quarters).
	 */
	@Param("uniform")
	private String mix;

	/** The key (its index) of each step of the walk. */
	private int[] walk;

	/** The lookup key of each step of the walk. */
	private String[] lookupKeys;

	/** Each key's limiter as made in the setup: a lookup must still find it. */
	private RateLimiter[] sluiceKeyLimiters;

	/** Each key's bucket as made in the setup. */
	private Bucket[] bucket4jKeyBuckets;

	/** Acquires refused by any side; never touched while the setup is right. */
	private final LongAdder refused = new LongAdder();

	/** Buckets Caffeine was asked to make after the setup, for a key it had dropped. */
	private final LongAdder bucketsRemade = new LongAdder();

	private volatile boolean setUpDone;

	@Setup(Level.Trial)
	public void setUp() {
		this.sluiceSingle = RateLimiter.create("single", CONFIG);
		this.sluiceKeyed = RateLimiter.create("keyed", CONFIG, KeyLimits.defaults(), System::nanoTime);
		this.registry = new SimpleMeterRegistry();
		new RateLimiterMetrics(List.of(this.sluiceSingle, this.sluiceKeyed), Tags.empty()).bindTo(this.registry);
		if (this.registry.getMeters().isEmpty()) {
			throw new IllegalStateException("No rate limiter meters were bound");
		}

		this.bucket4jSingle = RateLimiterBenchmark.bucket4jBucket();
		this.bucket4jKeys = Caffeine.newBuilder()
			.maximumSize(MAX_KEYS)
			.expireAfterAccess(KeyLimits.DEFAULT_IDLE_TIMEOUT)
			.build();
		this.newBucket = (key) -> {
			if (this.setUpDone) {
				this.bucketsRemade.increment();
			}
			return RateLimiterBenchmark.bucket4jBucket();
		};

		if (this.keys < 1 || this.keys > MAX_KEYS) {
			throw new IllegalArgumentException("keys must be between 1 and " + MAX_KEYS + ", was " + this.keys);
		}
		// keys are made in the order of their names, and visited in a shuffled order, so
		// that the objects of one op's key are not next to those of the previous op's
		List<Integer> shuffled = new ArrayList<>(this.keys);
		for (int i = 0; i < this.keys; i++) {
			shuffled.add(i);
		}
		Collections.shuffle(shuffled, new Random(13));
		this.sluiceKeyLimiters = new RateLimiter[this.keys];
		this.bucket4jKeyBuckets = new Bucket[this.keys];
		String[] names = new String[this.keys];
		for (int i = 0; i < this.keys; i++) {
			names[shuffled.get(i)] = "user-" + i;
			this.sluiceKeyLimiters[shuffled.get(i)] = this.sluiceKeyed.forKey("user-" + i);
		}
		for (int i = 0; i < this.keys; i++) {
			this.bucket4jKeyBuckets[shuffled.get(i)] = this.bucket4jKeys.get("user-" + i, this.newBucket);
		}
		this.walk = walk(this.mix, this.keys);
		// the maps hold the instances above; lookups use others of the same text, one per
		// key, so that a hot key's lookup string is as near as a request's own would be
		String[] lookups = new String[this.keys];
		for (int i = 0; i < this.keys; i++) {
			lookups[i] = new String(names[i].toCharArray());
		}
		this.lookupKeys = new String[this.walk.length];
		for (int i = 0; i < this.walk.length; i++) {
			this.lookupKeys[i] = lookups[this.walk[i]];
		}
		this.setUpDone = true;
		checkKeysKept();
	}

	/** Steps in a skewed walk: enough for the mix to show, few enough to stay cheap. */
	private static final int SKEWED_STEPS = 1 << 17;

	private static int[] walk(String mix, int keys) {
		switch (mix) {
			case "uniform": {
				int[] walk = new int[keys];
				for (int i = 0; i < keys; i++) {
					walk[i] = i;
				}
				return walk;
			}
			case "skewed": {
				// rank r (1-based) is drawn with probability 1/r over the harmonic number
				double[] cumulative = new double[keys];
				double sum = 0;
				for (int r = 1; r <= keys; r++) {
					sum += 1.0 / r;
					cumulative[r - 1] = sum;
				}
				Random random = new Random(17);
				int[] walk = new int[SKEWED_STEPS];
				for (int i = 0; i < walk.length; i++) {
					int found = Arrays.binarySearch(cumulative, random.nextDouble() * sum);
					walk[i] = Math.min(keys - 1, (found >= 0) ? found : -found - 1);
				}
				return walk;
			}
			default:
				throw new IllegalArgumentException("mix must be uniform or skewed, was " + mix);
		}
	}

	/**
	 * Fails the run if any acquire was refused, or if a key was evicted or made anew:
	 * then the score would not be the lookup and acquire of a live key.
	 */
	@TearDown(Level.Iteration)
	public void checkIteration() {
		long refused = this.refused.sum();
		if (refused > 0) {
			throw new IllegalStateException(refused + " acquires were refused; the buckets must never run out");
		}
		checkKeysKept();
	}

	private void checkKeysKept() {
		this.bucket4jKeys.cleanUp();
		long remade = this.bucketsRemade.sum();
		if (remade > 0) {
			throw new IllegalStateException("Caffeine dropped and remade " + remade + " buckets");
		}
		if (this.sluiceKeyed.keyCount() != this.keys || this.bucket4jKeys.estimatedSize() != this.keys) {
			throw new IllegalStateException("Expected " + this.keys + " live keys, Sluice has "
					+ this.sluiceKeyed.keyCount() + " and Caffeine " + this.bucket4jKeys.estimatedSize());
		}
		for (int i = 0; i < this.walk.length; i++) {
			int key = this.walk[i];
			if (this.sluiceKeyed.forKey(this.lookupKeys[i]) != this.sluiceKeyLimiters[key]) {
				throw new IllegalStateException("Sluice evicted and remade the key " + this.lookupKeys[i]);
			}
			if (this.bucket4jKeys.getIfPresent(this.lookupKeys[i]) != this.bucket4jKeyBuckets[key]) {
				throw new IllegalStateException("Caffeine evicted and remade the key " + this.lookupKeys[i]);
			}
		}
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		this.registry.close();
	}

	private boolean count(boolean acquired) {
		if (!acquired) {
			this.refused.increment();
		}
		return acquired;
	}

	/** A thread's place in the walk over the keys. */
	@State(Scope.Thread)
	public static class Cursor {

		private int next;

		@Setup(Level.Trial)
		public void setUp(KeyedRateLimitBenchmark benchmark, ThreadParams thread) {
			this.next = (thread.getThreadIndex() * (benchmark.walk.length / 2)) % benchmark.walk.length;
		}

		String nextKey(String[] keys) {
			return keys[nextIndex(keys.length)];
		}

		int nextIndex(int steps) {
			int i = this.next;
			this.next = (i + 1 == steps) ? 0 : i + 1;
			return i;
		}

	}

	// one thread

	@Benchmark
	@Threads(1)
	public boolean threads1_sluice_single() {
		return count(this.sluiceSingle.tryAcquire());
	}

	@Benchmark
	@Threads(1)
	public boolean threads1_sluice_keyed(Cursor cursor) {
		return count(this.sluiceKeyed.forKey(cursor.nextKey(this.lookupKeys)).tryAcquire());
	}

	@Benchmark
	@Threads(1)
	public boolean threads1_bucket4j_single() {
		return count(this.bucket4jSingle.tryConsume(1));
	}

	@Benchmark
	@Threads(1)
	public boolean threads1_bucket4j_keyed(Cursor cursor) {
		return count(this.bucket4jKeys.get(cursor.nextKey(this.lookupKeys), this.newBucket).tryConsume(1));
	}

	// one thread, the keyed path in halves, to show where its time goes

	/** The lookup alone: {@code forKey}, no acquire. */
	@Benchmark
	@Threads(1)
	public RateLimiter threads1_sluice_keyed_lookupOnly(Cursor cursor) {
		return this.sluiceKeyed.forKey(cursor.nextKey(this.lookupKeys));
	}

	/** The acquire alone, on each key's limiter as held since the setup: no lookup. */
	@Benchmark
	@Threads(1)
	public boolean threads1_sluice_keyed_noLookup(Cursor cursor) {
		return count(this.sluiceKeyLimiters[this.walk[cursor.nextIndex(this.walk.length)]].tryAcquire());
	}

	/** The lookup alone: {@code cache.get}, no acquire. */
	@Benchmark
	@Threads(1)
	public Bucket threads1_bucket4j_keyed_lookupOnly(Cursor cursor) {
		return this.bucket4jKeys.get(cursor.nextKey(this.lookupKeys), this.newBucket);
	}

	/** The acquire alone, on each key's bucket as held since the setup: no lookup. */
	@Benchmark
	@Threads(1)
	public boolean threads1_bucket4j_keyed_noLookup(Cursor cursor) {
		return count(this.bucket4jKeyBuckets[this.walk[cursor.nextIndex(this.walk.length)]].tryConsume(1));
	}

	// two threads: one shared single bucket, or one map of mostly different keys

	@Benchmark
	@Threads(2)
	public boolean threads2_sluice_single() {
		return count(this.sluiceSingle.tryAcquire());
	}

	@Benchmark
	@Threads(2)
	public boolean threads2_sluice_keyed(Cursor cursor) {
		return count(this.sluiceKeyed.forKey(cursor.nextKey(this.lookupKeys)).tryAcquire());
	}

	@Benchmark
	@Threads(2)
	public boolean threads2_bucket4j_single() {
		return count(this.bucket4jSingle.tryConsume(1));
	}

	@Benchmark
	@Threads(2)
	public boolean threads2_bucket4j_keyed(Cursor cursor) {
		return count(this.bucket4jKeys.get(cursor.nextKey(this.lookupKeys), this.newBucket).tryConsume(1));
	}

}
