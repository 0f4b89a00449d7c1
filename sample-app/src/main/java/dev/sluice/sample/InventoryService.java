package dev.sluice.sample;

import java.util.concurrent.atomic.AtomicInteger;

import dev.sluice.bulkhead.Bulkheaded;

import org.springframework.stereotype.Service;

/**
 * A deliberately slow "legacy database" that takes only a few connections, reached
 * through the {@code legacy-db} semaphore. It records how many calls were ever inside at
 * once.
 */
@Service
class InventoryService {

	private final AtomicInteger inside = new AtomicInteger();

	private final AtomicInteger mostInside = new AtomicInteger();

	@Bulkheaded("legacy-db")
	public Stock stock(String sku) throws InterruptedException {
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
