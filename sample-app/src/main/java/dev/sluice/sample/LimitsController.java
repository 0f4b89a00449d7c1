package dev.sluice.sample;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * A rate-limited endpoint (beyond a few calls a second it answers 429 with
 * {@code Retry-After}) and endpoints whose slow downstream is guarded by a semaphore
 * (beyond its permits they answer 503), one of them asynchronous: the permit is held
 * until its future completes.
 */
@RestController
class LimitsController {

	private final QuoteService quotes;

	private final InventoryService inventory;

	LimitsController(QuoteService quotes, InventoryService inventory) {
		this.quotes = quotes;
		this.inventory = inventory;
	}

	@GetMapping("/quotes/{symbol}")
	QuoteService.Quote quote(@PathVariable String symbol) {
		return this.quotes.quote(symbol);
	}

	/** Limited per API key: 5 a minute for each, then 429 with the RateLimit fields. */
	@GetMapping("/api/quotes/{symbol}")
	QuoteService.Quote quoteForKey(@RequestHeader("X-Api-Key") String apiKey, @PathVariable String symbol) {
		return this.quotes.quoteFor(apiKey, symbol);
	}

	@GetMapping("/inventory/{sku}")
	InventoryService.Stock stock(@PathVariable String sku) throws InterruptedException {
		return this.inventory.stock(sku);
	}

	@GetMapping("/inventory/{sku}/async")
	CompletableFuture<InventoryService.Stock> stockAsync(@PathVariable String sku) {
		return this.inventory.stockAsync(sku);
	}

	@GetMapping("/inventory")
	Map<String, Integer> inventoryStats() {
		return Map.of("mostConcurrentCalls", this.inventory.mostConcurrentCalls());
	}

}
