package dev.sluice.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/** The flow patterns over real HTTP. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class FlowEndpointsTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	private HttpRequest.Builder request(String path) {
		return HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path));
	}

	private HttpResponse<String> get(String path) throws Exception {
		return this.http.send(request(path).build(), HttpResponse.BodyHandlers.ofString());
	}

	@Test
	void theBatchPipelineKeepsTheValidReadingsInOrder() throws Exception {
		HttpResponse<String> response = this.http.send(
				request("/reports/batch?count=10000").POST(HttpRequest.BodyPublishers.noBody()).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		long kept = java.util.stream.IntStream.range(0, 10_000)
			.mapToDouble((f) -> (f % 200 - 32) * 5 / 9.0)
			.filter((c) -> c > -20 && c < 60)
			.count();
		assertThat(response.body()).contains("\"generated\":10000", "\"kept\":" + kept, "\"first\":[-17.77");
		assertThat(get("/actuator/sluice/pipelines").body()).contains("\"report\"", "\"to-celsius\"", "\"plausible\"");
	}

	@Test
	void theBestPriceComesFromTheFanInOfEverySupplier() throws Exception {
		HttpResponse<String> response = get("/prices/sku-9/best");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).contains("\"quotes\":3", "\"supplier\":\"globex\"", "\"price\":99");
	}

	@Test
	void workPastItsDeadlineAnswers504() throws Exception {
		assertThat(get("/slow?millis=10").statusCode()).isEqualTo(200);
		long start = System.nanoTime();
		HttpResponse<String> slow = get("/slow?millis=30000");
		assertThat(slow.statusCode()).isEqualTo(504);
		assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(10_000);
	}

	@Test
	void thePartnerClientIsCreatedOnceOnFirstUse() throws Exception {
		get("/partner/status");
		HttpResponse<String> second = get("/partner/status");
		assertThat(second.body()).contains("\"clientsCreated\":1", "\"status\":\"connected\"");
	}

	@Test
	void concurrentLookupsOfOneProductShareOneDownstreamCall() throws Exception {
		List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			calls.add(this.http.sendAsync(request("/catalogue/p-1").build(), HttpResponse.BodyHandlers.ofString()));
		}
		calls.forEach((call) -> assertThat(call.join().body()).contains("\"name\":\"Product p-1\""));
		int downstream = Integer.parseInt(get("/catalogue").body().replaceAll("\\D", ""));
		// ten requests that overlap a 500ms load: one call downstream (a straggler on a
		// busy machine may start a second)
		assertThat(downstream).isBetween(1, 2);
	}

}
