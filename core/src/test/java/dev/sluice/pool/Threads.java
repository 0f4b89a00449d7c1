package dev.sluice.pool;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Helpers shared by the pool tests. */
final class Threads {

	private Threads() {
	}

	/** Live platform threads whose name starts with the prefix. */
	static long alive(String prefix) {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.isAlive() && thread.getName().startsWith(prefix))
			.count();
	}

	/**
	 * Waits on the latch in a task, failing the task if it takes more than 10 seconds.
	 */
	static void await(CountDownLatch latch) throws InterruptedException {
		if (!latch.await(10, TimeUnit.SECONDS)) {
			throw new IllegalStateException("latch not released within 10s");
		}
	}

}
