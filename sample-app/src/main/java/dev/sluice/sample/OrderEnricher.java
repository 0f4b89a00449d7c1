package dev.sluice.sample;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import dev.sluice.pool.TaskGroup;
import dev.sluice.pool.WorkerPool;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Service;

/**
 * Enriches an order from three slow lookups run at once in a {@link TaskGroup}: first
 * failure wins.
 */
@Service
class OrderEnricher {

	private final WorkerPool lookups;

	OrderEnricher(@Qualifier("lookups") WorkerPool lookups) {
		this.lookups = lookups;
	}

	EnrichedOrder enrich(int id, String fail) throws InterruptedException {
		Map<String, CompletableFuture<?>> started = new LinkedHashMap<>();
		try (TaskGroup group = TaskGroup.on(this.lookups)) {
			CompletableFuture<String> customer = group.fork(() -> lookup("customer", 40, fail, "customer-" + (id % 7)));
			CompletableFuture<Integer> stock = group.fork(() -> lookup("stock", 60, fail, id * 3 % 50));
			CompletableFuture<String> shipping = group.fork(() -> lookup("shipping", 80, fail, "2 days"));
			started.put("customer", customer);
			started.put("stock", stock);
			started.put("shipping", shipping);
			group.join();
			return new EnrichedOrder(id, customer.join(), stock.join(), shipping.join());
		}
		catch (ExecutionException ex) {
			List<String> cancelled = started.entrySet()
				.stream()
				.filter((entry) -> entry.getValue().isCancelled())
				.map(Map.Entry::getKey)
				.toList();
			throw new LookupFailedException(ex.getCause().getMessage(), cancelled);
		}
	}

	private static <T> T lookup(String name, long millis, String fail, T value) throws InterruptedException {
		if (name.equals(fail)) {
			throw new IllegalStateException("The " + name + " service is down");
		}
		Thread.sleep(millis);
		return value;
	}

	/**
	 * A lookup failed; the named others were cancelled (interrupted, or never started).
	 */
	static class LookupFailedException extends RuntimeException {

		private static final long serialVersionUID = 1L;

		private final List<String> cancelled;

		LookupFailedException(String message, List<String> cancelled) {
			super(message);
			this.cancelled = cancelled;
		}

		List<String> cancelled() {
			return this.cancelled;
		}

	}

}
