package dev.sluice.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.sluice.KeyLimits;
import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.SubscriberOptions;
import dev.sluice.pool.PoolConfig;
import dev.sluice.pool.WorkerPool;
import dev.sluice.ratelimit.RateLimiter;
import io.github.bucket4j.Bucket;
import org.openjdk.jol.info.GraphLayout;

/**
 * What idle Sluice objects keep on the heap: not a JMH benchmark but a {@code main} that
 * prints two figures, each the size of an object graph measured with JOL
 * ({@link GraphLayout}), so exact and the same on every run of the same code and JVM:
 * <ul>
 * <li>an {@link EventBus} with {@value #SUBSCRIBERS} idle subscribers on one topic, each
 * with a buffer of {@value #BUFFER} (subscribed only, nothing published, so no dispatcher
 * thread has started); goal: under 10 MB;</li>
 * <li>an empty {@link WorkerPool} with a queue capacity of {@value #QUEUE_CAPACITY} (no
 * task submitted, so no worker has started); goal: under 1 MB;</li>
 * <li>the memory of one key of a local rate limiter ({@link RateLimiter#forKey}), from a
 * limiter with {@value #KEYS} keys less one with none, beside Bucket4j's buckets in a
 * Caffeine cache bounded alike, as {@code KeyedRateLimitBenchmark} builds them (a
 * reference, no goal).</li>
 * </ul>
 * JOL walks every reference, so from a pool's thread factory it reaches the main thread
 * group and through it every thread, class loader and class of the JVM, and from a
 * subscriber the {@code Class} of its events. Those belong to the JVM, not to the object:
 * each figure is the walk of the object together with those shared roots less the walk of
 * the shared roots alone (both walks by identity, so a GC in between changes nothing),
 * taken when the shared part did not change while it was walked. MB here is 1,000,000
 * bytes.
 *
 * <p>
 * From the repository root:
 *
 * <pre>
 * ./mvnw -pl benchmarks -am package -DskipTests
 * java -Djdk.attach.allowAttachSelf=true -Djol.magicFieldOffset=true \
 *     -cp benchmarks/target/benchmarks.jar dev.sluice.benchmarks.MemoryFootprint
 * </pre>
 *
 * {@code jdk.attach.allowAttachSelf} lets JOL size objects through the
 * {@code Instrumentation} it attaches to this JVM, and {@code jol.magicFieldOffset} lets
 * it read the fields of the JDK's lambdas, which it meets among the shared roots. It
 * takes about half a minute and a few hundred MB of heap.
 */
public final class MemoryFootprint {

	static final int SUBSCRIBERS = 10_000;

	static final int BUFFER = 1024;

	static final int QUEUE_CAPACITY = 1_000_000;

	static final int KEYS = 10_000;

	private static final long MB = 1_000_000;

	private MemoryFootprint() {
	}

	public static void main(String[] args) {
		try (EventBus bus = EventBus.create("footprint", 2)) {
			for (int i = 0; i < SUBSCRIBERS; i++) {
				bus.subscribe("topic", Integer.class, (event) -> {
				}, SubscriberOptions.named("s" + i).withBuffer(BUFFER));
			}
			print(SUBSCRIBERS + " idle subscribers, buffer " + BUFFER, retained(bus, Integer.class), 10 * MB);
		}
		try (WorkerPool pool = WorkerPool.create("footprint",
				PoolConfig.defaults().withQueueCapacity(QUEUE_CAPACITY))) {
			print("empty pool, queue capacity " + QUEUE_CAPACITY, retained(pool), MB);
		}
		RateLimiter noKeys = RateLimiter.create("footprint", KeyedRateLimitBenchmark.CONFIG, KeyLimits.defaults(),
				System::nanoTime);
		noKeys.forKey("user-0");
		RateLimiter keys = RateLimiter.create("footprint", KeyedRateLimitBenchmark.CONFIG, KeyLimits.defaults(),
				System::nanoTime);
		for (int i = 0; i < KEYS; i++) {
			keys.forKey("user-" + i).tryAcquire();
		}
		printPerKey("Sluice rate limiter", retained(keys), retained(noKeys));
		Cache<String, Bucket> oneBucket = caffeine();
		oneBucket.get("user-0", (key) -> RateLimiterBenchmark.bucket4jBucket()).tryConsume(1);
		Cache<String, Bucket> buckets = caffeine();
		for (int i = 0; i < KEYS; i++) {
			buckets.get("user-" + i, (key) -> RateLimiterBenchmark.bucket4jBucket()).tryConsume(1);
		}
		buckets.cleanUp();
		printPerKey("Bucket4j buckets in Caffeine", retained(buckets), retained(oneBucket));
	}

	private static Cache<String, Bucket> caffeine() {
		return Caffeine.newBuilder()
			.maximumSize(KeyLimits.DEFAULT_MAX)
			.expireAfterAccess(KeyLimits.DEFAULT_IDLE_TIMEOUT)
			.build();
	}

	/** The bytes and objects of one key: 10,000 keys less one, over 9,999. */
	private static void printPerKey(String what, long[] withKeys, long[] withOneKey) {
		System.out.printf(Locale.ROOT, "%-40s %,13d bytes in %,7d objects per key (%,d keys)%n", what + ", one key",
				(withKeys[0] - withOneKey[0]) / (KEYS - 1), (withKeys[1] - withOneKey[1]) / (KEYS - 1), KEYS);
	}

	private static void print(String what, long[] retained, long goal) {
		System.out.printf(Locale.ROOT, "%-40s %,13d bytes in %,7d objects (goal < %,d: %s)%n", what, retained[0],
				retained[1], goal, (retained[0] < goal) ? "met" : "MISSED");
	}

	/**
	 * The bytes and objects reachable from the root and not from the JVM's own roots
	 * (thread groups, class loaders, boot modules) nor from the given shared objects. A
	 * figure counts only when the shared graph was the same before and after the combined
	 * walk, and two such figures in a row agree.
	 */
	static long[] retained(Object root, Object... alsoShared) {
		Object[] shared = sharedRoots(alsoShared);
		List<Object> both = new ArrayList<>(Arrays.asList(shared));
		both.add(0, root);
		Object[] withRoot = both.toArray();
		long[] previous = null;
		for (int attempt = 0; attempt < 20; attempt++) {
			GraphLayout before = GraphLayout.parseInstance(shared);
			GraphLayout all = GraphLayout.parseInstance(withRoot);
			GraphLayout after = GraphLayout.parseInstance(shared);
			if (before.totalSize() == after.totalSize() && before.totalCount() == after.totalCount()) {
				long[] retained = { all.totalSize() - after.totalSize(), all.totalCount() - after.totalCount() };
				if (Arrays.equals(retained, previous)) {
					return retained;
				}
				previous = retained;
			}
		}
		throw new IllegalStateException("The JVM's shared objects kept changing while they were walked");
	}

	private static Object[] sharedRoots(Object... alsoShared) {
		ThreadGroup top = Thread.currentThread().getThreadGroup();
		while (top.getParent() != null) {
			top = top.getParent();
		}
		List<Object> roots = new ArrayList<>(List.of(top, ClassLoader.getSystemClassLoader(),
				ClassLoader.getPlatformClassLoader(), ModuleLayer.boot()));
		roots.addAll(Arrays.asList(alsoShared));
		return roots.toArray();
	}

}
