package dev.sluice.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.sluice.bulkhead.Bulkhead;
import dev.sluice.bulkhead.BulkheadRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/** The rate-limited and semaphore-guarded endpoints over real HTTP. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class LimitsEndpointsTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Autowired
	private BulkheadRegistry bulkheads;

	private HttpRequest.Builder request(String path) {
		return HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path));
	}

	@Test
	void beyondTheRateTheEndpointAnswers429WithRetryAfter() throws Exception {
		List<HttpResponse<String>> responses = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			responses.add(this.http.send(request("/quotes/ACME").build(), HttpResponse.BodyHandlers.ofString()));
		}
		assertThat(responses).filteredOn((response) -> response.statusCode() == 200).isNotEmpty();
		List<HttpResponse<String>> limited = responses.stream()
			.filter((response) -> response.statusCode() == 429)
			.toList();
		assertThat(limited).isNotEmpty();
		HttpResponse<String> first = limited.get(0);
		assertThat(first.headers().firstValue("Retry-After"))
			.hasValueSatisfying((value) -> assertThat(Long.parseLong(value)).isBetween(1L, 1L));
		assertThat(first.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
		assertThat(first.body()).contains("\"status\":429", "\"limiter\":\"partner-api\"", "Rate limit reached");
	}

	@Test
	void eachApiKeyHasItsOwnBudget() throws Exception {
		List<Integer> first = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			first.add(
					this.http
						.send(request("/api/quotes/ACME").header("X-Api-Key", "key-one").build(),
								HttpResponse.BodyHandlers.ofString())
						.statusCode());
		}
		assertThat(first).containsExactly(200, 200, 200, 200, 200, 429);
		HttpResponse<String> other = this.http.send(request("/api/quotes/ACME").header("X-Api-Key", "key-two").build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(other.statusCode()).isEqualTo(200);
		HttpResponse<String> limited = this.http.send(
				request("/api/quotes/ACME").header("X-Api-Key", "key-one").build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(limited.statusCode()).isEqualTo(429);
		assertThat(limited.headers().firstValue("RateLimit-Policy")).contains("\"per-key-api\";q=5;w=60");
		assertThat(limited.headers().firstValue("RateLimit"))
			.hasValueSatisfying((value) -> assertThat(value).startsWith("\"per-key-api\";r=0;t="));
	}

	@Test
	void theSemaphoreBoundsConcurrencyAndAnswers503BeyondIt() throws Exception {
		List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			calls
				.add(this.http.sendAsync(request("/inventory/sku-" + i).build(), HttpResponse.BodyHandlers.ofString()));
		}
		List<HttpResponse<String>> responses = calls.stream().map(CompletableFuture::join).toList();
		assertThat(responses).extracting(HttpResponse::statusCode).containsOnly(200, 503).contains(200);
		responses.stream()
			.filter((response) -> response.statusCode() == 503)
			.forEach((response) -> assertThat(response.body()).contains("\"bulkhead\":\"legacy-db\"",
					"Too many concurrent calls"));
		String stats = this.http.send(request("/inventory").build(), HttpResponse.BodyHandlers.ofString()).body();
		int most = Integer.parseInt(stats.replaceAll("\\D", ""));
		assertThat(most).isBetween(1, 2);
		assertThat(this.bulkheads.get("legacy-db").stats().inUse()).isZero();
	}

	@Test
	void theAsyncEndpointHoldsItsPermitUntilItsFutureCompletes() throws Exception {
		List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			calls.add(this.http.sendAsync(request("/inventory/async-" + i + "/async").build(),
					HttpResponse.BodyHandlers.ofString()));
		}
		List<HttpResponse<String>> responses = calls.stream().map(CompletableFuture::join).toList();
		// each look-up takes 200ms on a pool of 8 threads: were the permit given back
		// when
		// the method returned its future, all six would be let in
		assertThat(responses).extracting(HttpResponse::statusCode).containsOnly(200, 503).contains(200, 503);
		responses.stream()
			.filter((response) -> response.statusCode() == 200)
			.forEach((response) -> assertThat(response.body()).contains("\"sku\":\"async-"));
		responses.stream()
			.filter((response) -> response.statusCode() == 503)
			.forEach((response) -> assertThat(response.body()).contains("\"bulkhead\":\"legacy-db\""));
		String stats = this.http.send(request("/inventory").build(), HttpResponse.BodyHandlers.ofString()).body();
		assertThat(Integer.parseInt(stats.replaceAll("\\D", ""))).isBetween(1, 2);
		assertThat(this.bulkheads.get("legacy-db").stats().inUse()).isZero();
	}

	@Test
	void theAsyncEndpointAnswers503WhenItsFutureIsRefused() throws Exception {
		Bulkhead legacyDb = this.bulkheads.get("legacy-db");
		HttpResponse<String> response;
		try (Bulkhead.Permit all = legacyDb.acquire(legacyDb.permits(), Duration.ofSeconds(5))) {
			response = this.http.send(request("/inventory/held/async").build(), HttpResponse.BodyHandlers.ofString());
		}
		assertThat(response.statusCode()).isEqualTo(503);
		assertThat(response.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
		assertThat(response.body()).contains("\"bulkhead\":\"legacy-db\"");
	}

	@Test
	void theEndpointIsReadOnlyUnlessWritesAreEnabled() throws Exception {
		HttpResponse<String> response = this.http
			.send(request("/actuator/sluice/bulkheads/legacy-db").header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString("{\"permits\": 5}"))
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isBetween(400, 499);
		assertThat(this.bulkheads.get("legacy-db").permits()).isEqualTo(2);
		String sluice = this.http.send(request("/actuator/sluice").build(), HttpResponse.BodyHandlers.ofString())
			.body();
		assertThat(sluice).contains("\"bulkheads\"", "\"legacy-db\"", "\"rate-limiters\"", "\"partner-api\"",
				"\"per\":\"PT1S\"");
	}

}
