package dev.sluice.sample;

import java.util.List;
import java.util.stream.IntStream;

import dev.sluice.pool.TaskRejectedException;
import dev.sluice.pool.WorkerPool;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Orders: a batch priced on the {@code orders} pool, one order enriched from three
 * lookups at once in a task group on the {@code lookups} pool, and a receipt mailed
 * through {@code @Async("mail")}.
 */
@RestController
class OrderController {

	private final WorkerPool orders;

	private final OrderEnricher enricher;

	private final ReceiptMailer mailer;

	OrderController(@Qualifier("orders") WorkerPool orders, OrderEnricher enricher, ReceiptMailer mailer) {
		this.orders = orders;
		this.enricher = enricher;
		this.mailer = mailer;
	}

	/**
	 * Prices {@code count} generated orders concurrently; the prices come back in order.
	 */
	@PostMapping("/orders/batch")
	BatchResult processBatch(@RequestParam(defaultValue = "100") int count) throws InterruptedException {
		if (count < 0 || count > 100_000) {
			throw new IllegalArgumentException("count must be between 0 and 100000, was " + count);
		}
		List<Integer> ids = IntStream.rangeClosed(1, count).boxed().toList();
		long start = System.nanoTime();
		List<PricedOrder> priced = this.orders.map(ids, PricedOrder::price);
		long micros = (System.nanoTime() - start) / 1000;
		long total = priced.stream().mapToLong(PricedOrder::cents).sum();
		return new BatchResult(priced.size(), total, micros, priced.subList(0, Math.min(5, priced.size())));
	}

	/**
	 * Looks up customer, stock and shipping for one order at once. {@code fail} names a
	 * lookup to make fail, to show that the first failure cancels the other two.
	 */
	@GetMapping("/orders/{id}/enriched")
	EnrichedOrder enriched(@PathVariable int id, @RequestParam(required = false) String fail)
			throws InterruptedException {
		return this.enricher.enrich(id, fail);
	}

	/** Mails a receipt on the {@code mail} pool and says which thread sent it. */
	@PostMapping("/orders/{id}/receipt")
	Receipt receipt(@PathVariable int id) throws Exception {
		return this.mailer.send(id).get();
	}

	@ExceptionHandler(OrderEnricher.LookupFailedException.class)
	ProblemDetail lookupFailed(OrderEnricher.LookupFailedException ex) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_GATEWAY, ex.getMessage());
		problem.setTitle("A lookup failed; the others were cancelled");
		problem.setProperty("cancelledLookups", ex.cancelled());
		return problem;
	}

	@ExceptionHandler(TaskRejectedException.class)
	ProblemDetail busy(TaskRejectedException ex) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, ex.getMessage());
		problem.setTitle("Pool '" + ex.pool() + "' is busy");
		return problem;
	}

	@ExceptionHandler(IllegalArgumentException.class)
	ProblemDetail badRequest(IllegalArgumentException ex) {
		return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, ex.getMessage());
	}

	record PricedOrder(int id, long cents) {

		static PricedOrder price(int id) {
			long cents = 0;
			for (int i = 1; i <= 200; i++) {
				cents = (cents * 31 + id * i) % 100_000;
			}
			return new PricedOrder(id, 1000 + cents);
		}
	}

	record BatchResult(int count, long totalCents, long micros, List<PricedOrder> first) {
	}

	record Receipt(int orderId, String sentBy) {
	}

}
