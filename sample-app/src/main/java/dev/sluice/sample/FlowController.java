package dev.sluice.sample;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import dev.sluice.once.OnceValue;
import dev.sluice.once.SingleFlight;
import dev.sluice.pipeline.Channel;
import dev.sluice.pipeline.Pipelines;
import dev.sluice.pool.TaskGroup;
import dev.sluice.pool.WorkerPool;
import dev.sluice.timeout.Timeout;

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
 * The flow patterns: a generate → transform → filter pipeline, a fan-out of price lookups
 * to several suppliers and a fan-in of the best, work with a timeout, a client created
 * lazily on first use, and a single-flighted lookup.
 */
@RestController
class FlowController {

	private static final List<Supplier> SUPPLIERS = List.of(new Supplier("acme", 60, 105),
			new Supplier("globex", 20, 99), new Supplier("initech", 40, 120));

	private final Pipelines pipelines;

	private final WorkerPool lookups;

	private final AtomicInteger clientsCreated = new AtomicInteger();

	private final OnceValue<PartnerClient> partner = OnceValue.of(this::connect, OnceValue.OnFailure.RETRY);

	private final SingleFlight<String, Product> catalogue = new SingleFlight<>();

	private final AtomicInteger catalogueLoads = new AtomicInteger();

	FlowController(Pipelines pipelines, @Qualifier("lookups") WorkerPool lookups) {
		this.pipelines = pipelines;
		this.lookups = lookups;
	}

	/**
	 * Generates {@code count} readings, converts them in parallel, keeps the valid ones,
	 * in order.
	 */
	@PostMapping("/reports/batch")
	Map<String, Object> report(@RequestParam(defaultValue = "1000") int count) throws Exception {
		if (count < 0 || count > 1_000_000) {
			throw new IllegalArgumentException("count must be between 0 and 1000000, was " + count);
		}
		List<Integer> readings = IntStream.range(0, count).boxed().toList();
		List<Double> celsius = this.pipelines.from("report", readings)
			.keepOrder()
			.map("to-celsius", 2, (fahrenheit) -> (fahrenheit % 200 - 32) * 5 / 9.0)
			.filter("plausible", 1, (c) -> c > -20 && c < 60)
			.toList(Duration.ofSeconds(30));
		return Map.of("generated", count, "kept", celsius.size(), "first",
				celsius.subList(0, Math.min(5, celsius.size())));
	}

	/**
	 * Asks every supplier at once (fan-out) and takes the best price among those that
	 * answer within 300ms (fan-in through one channel).
	 */
	@GetMapping("/prices/{sku}/best")
	Map<String, Object> bestPrice(@PathVariable String sku) throws Exception {
		Channel<Quote> quotes = Channel.bounded(SUPPLIERS.size());
		try (TaskGroup group = TaskGroup.on(this.lookups)) {
			for (Supplier supplier : SUPPLIERS) {
				group.fork(() -> {
					Thread.sleep(supplier.latencyMillis);
					quotes.send(new Quote(supplier.name, supplier.price), Duration.ofSeconds(1));
					return null;
				});
			}
			List<Quote> received = new ArrayList<>();
			try {
				Timeout.run(Duration.ofMillis(300), () -> {
					try {
						while (received.size() < SUPPLIERS.size()) {
							quotes.receive(Duration.ofSeconds(1)).ifPresent(received::add);
						}
					}
					catch (InterruptedException | TimeoutException ex) {
						Thread.currentThread().interrupt();
					}
				});
			}
			catch (TimeoutException ex) {
				// the suppliers that did not answer in time are left out
			}
			Optional<Quote> best = received.stream().min(Comparator.comparingInt(Quote::price));
			return Map.of("sku", sku, "quotes", received.size(), "best", best.orElseThrow());
		}
	}

	/** Does {@code millis} of work with a 200ms deadline: 504 when it passes. */
	@GetMapping("/slow")
	Map<String, Object> slow(@RequestParam(defaultValue = "50") long millis) throws Exception {
		long started = System.nanoTime();
		Timeout.run(Duration.ofMillis(200), () -> {
			try {
				Thread.sleep(millis);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		return Map.of("tookMillis", (System.nanoTime() - started) / 1_000_000);
	}

	/** Uses a partner client that is created on first use, once. */
	@GetMapping("/partner/status")
	Map<String, Object> partnerStatus() {
		return Map.of("status", this.partner.get().status(), "clientsCreated", this.clientsCreated.get());
	}

	/**
	 * A slow catalogue lookup: concurrent requests for one id share a single call
	 * downstream.
	 */
	@GetMapping("/catalogue/{id}")
	Product product(@PathVariable String id) {
		return this.catalogue.get(id, () -> {
			this.catalogueLoads.incrementAndGet();
			try {
				Thread.sleep(500);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return new Product(id, "Product " + id);
		});
	}

	@GetMapping("/catalogue")
	Map<String, Integer> catalogueStats() {
		return Map.of("downstreamCalls", this.catalogueLoads.get());
	}

	@ExceptionHandler(TimeoutException.class)
	ProblemDetail timedOut(TimeoutException ex) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.GATEWAY_TIMEOUT, ex.getMessage());
		problem.setTitle("The work did not finish in time");
		return problem;
	}

	private PartnerClient connect() {
		this.clientsCreated.incrementAndGet();
		return new PartnerClient();
	}

	record Supplier(String name, long latencyMillis, int price) {
	}

	record Quote(String supplier, int price) {
	}

	record Product(String id, String name) {
	}

	static final class PartnerClient {

		String status() {
			return "connected";
		}

	}

}
