package dev.sluice;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.SubscriberOptions;
import dev.sluice.pool.PoolConfig;
import dev.sluice.pool.WorkerPool;
import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.GraphLayout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What idle Sluice objects keep on the heap, as the size of their object graph (JOL's
 * {@link GraphLayout}): a count of structure, the same on every run, not a timing.
 *
 * <p>
 * JOL walks every reference, so from a pool's thread factory it reaches the main thread
 * group and through it every thread, class loader and class of the JVM, and from a
 * subscriber the {@code Class} of its events. Those are the JVM's, not the object's: the
 * figure is the walk of the object together with those shared roots, less the walk of the
 * shared roots alone. Both are walks by identity, so no object addresses are compared and
 * a GC in between changes nothing; dispatcher or worker threads, were any started, fall
 * in the shared part too.
 *
 * <p>
 * Needs {@code -Djdk.attach.allowAttachSelf=true} (JOL sizes objects through the
 * {@code Instrumentation} it attaches to this JVM) and
 * {@code -Djol.magicFieldOffset=true} (so JOL can read the fields of the JDK's lambdas,
 * which it meets among the shared roots) in the surefire {@code argLine}.
 */
class MemoryFootprintTest {

	private static final long MB = 1_000_000;

	@Test
	void tenThousandIdleSubscribersWithBuffersOf1024RetainUnder10MB() {
		try (EventBus bus = EventBus.create("footprint", 2)) {
			for (int i = 0; i < 10_000; i++) {
				bus.subscribe("topic", Integer.class, (event) -> {
				}, SubscriberOptions.named("s" + i).withBuffer(1024));
			}
			// at least a Subscriber object each, so the walk did reach them
			assertThat(retainedBytes(bus, Integer.class)).as("bytes kept by the bus")
				.isBetween(10_000L * 64, 10 * MB - 1);
		}
	}

	@Test
	void emptyPoolWithQueueCapacityOfOneMillionRetainsUnder1MB() {
		try (WorkerPool pool = WorkerPool.create("footprint", PoolConfig.defaults().withQueueCapacity(1_000_000))) {
			assertThat(retainedBytes(pool)).as("bytes kept by the pool").isBetween(1L, MB - 1);
		}
	}

	/**
	 * The bytes reachable from the root and not from the JVM's own roots (thread groups,
	 * class loaders, boot modules) nor from the given shared objects. The shared graph is
	 * walked before and after the combined one, and a figure counts only when it did not
	 * change in between; two such figures in a row must agree.
	 */
	static long retainedBytes(Object root, Object... alsoShared) {
		Object[] shared = sharedRoots(alsoShared);
		List<Object> both = new ArrayList<>(Arrays.asList(shared));
		both.add(0, root);
		Object[] withRoot = both.toArray();
		long previous = -1;
		for (int attempt = 0; attempt < 20; attempt++) {
			GraphLayout before = GraphLayout.parseInstance(shared);
			GraphLayout all = GraphLayout.parseInstance(withRoot);
			GraphLayout after = GraphLayout.parseInstance(shared);
			if (before.totalSize() == after.totalSize() && before.totalCount() == after.totalCount()) {
				long retained = all.totalSize() - after.totalSize();
				if (retained == previous) {
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
