package dev.sluice.sample;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sluice.bulkhead.Bulkheaded;
import dev.sluice.pool.WorkerPool;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Service;

/**
 * A deliberately slow "legacy database" that takes only a few connections, reached
 * through the {@code legacy-db} semaphore, by a blocking call or an asynchronous one. It
 * records how many calls were ever inside at once.
 */
@Service
class InventoryService {

	private final AtomicInteger inside = new AtomicInteger();

	private final AtomicInteger mostInside = new AtomicInteger();

	private final WorkerPool lookups;

	InventoryService(@Qualifier("lookups") WorkerPool lookups) {
		this.lookups = lookups;
	}

	@Bulkheaded("legacy-db")
	public Stock stock(String sku) throws InterruptedException {
		return lookUp(sku);
	}

	/**
	 * The same look-up on the {@code lookups} pool. The permit is held until the returned
	 * future completes, not only while this method runs, so the semaphore bounds the
	 * look-ups actually under way; without one, the future fails with a
	 * {@code BulkheadException} (a 503 from a controller).
	 */
	@Bulkheaded("legacy-db")
	public CompletableFuture<Stock> stockAsync(String sku) {
		return this.lookups.submit(() -> lookUp(sku));
	}

	private Stock lookUp(String sku) throws InterruptedException {
		int now = this.inside.incrementAndGet();
		this.mostInside.accumulateAndGet(now, Math::max);
		try {
			Thread.sleep(200);
			return new Stock(sku, Math.floorMod(sku.hashCode(), 100), now);
		}
		finally {
			this.inside.decrementAndGet();
		}
	}

	/** The most calls that were ever inside the slow downstream at once. */
	int mostConcurrentCalls() {
		return this.mostInside.get();
	}

	record Stock(String sku, int units, int concurrentCalls) {
	}

}
