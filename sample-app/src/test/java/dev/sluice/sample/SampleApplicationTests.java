package dev.sluice.sample;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/** The sample app end to end, over real HTTP. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class SampleApplicationTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	private HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	private HttpResponse<String> post(String path) throws IOException, InterruptedException {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.POST(HttpRequest.BodyPublishers.noBody())
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	@Test
	void batchPricesEveryOrderAndKeepsTheirOrder() throws Exception {
		HttpResponse<String> response = post("/orders/batch?count=1000");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).contains("\"count\":1000")
			.containsSubsequence("\"id\":1,", "\"id\":2,", "\"id\":3,", "\"id\":4,", "\"id\":5,");
	}

	@Test
	void batchRefusesAnImpossibleCount() throws Exception {
		assertThat(post("/orders/batch?count=-1").statusCode()).isEqualTo(400);
	}

	@Test
	void enrichmentCombinesThreeLookups() throws Exception {
		HttpResponse<String> response = get("/orders/12/enriched");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).contains("\"customer\":\"customer-5\"")
			.contains("\"inStock\":36")
			.contains("\"shipping\":\"2 days\"");
	}

	@Test
	void aFailedLookupFailsFastAndCancelsTheOthers() throws Exception {
		HttpResponse<String> response = get("/orders/12/enriched?fail=customer");
		assertThat(response.statusCode()).isEqualTo(502);
		assertThat(response.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
		assertThat(response.body()).contains("The customer service is down")
			.contains("\"cancelledLookups\":[\"stock\",\"shipping\"]");
	}

	@Test
	void receiptIsSentOnTheMailPool() throws Exception {
		HttpResponse<String> response = post("/orders/7/receipt");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).contains("\"sentBy\":\"sluice-mail-1\"");
	}

	@Test
	void actuatorShowsEveryPool() throws Exception {
		post("/orders/batch?count=10");
		HttpResponse<String> sluice = get("/actuator/sluice");
		assertThat(sluice.statusCode()).isEqualTo(200);
		assertThat(sluice.body()).contains("\"orders\"", "\"lookups\"", "\"mail\"", "\"overflow\":\"CALLER_RUNS\"");
		assertThat(get("/actuator/sluice/pools").body()).contains("\"orders\"");
		assertThat(get("/actuator/health").body()).contains("UP");
	}

	@Test
	void poolMetricsShowInMetricsAndPrometheus() throws Exception {
		post("/orders/batch?count=100");
		HttpResponse<String> metric = get("/actuator/metrics/executor.completed?tag=name:orders");
		assertThat(metric.statusCode()).isEqualTo(200);
		HttpResponse<String> prometheus = get("/actuator/prometheus");
		assertThat(prometheus.statusCode()).isEqualTo(200);
		assertThat(prometheus.body()).contains("executor_completed_tasks_total{", "name=\"orders\"")
			.contains("executor_queued_tasks{")
			.contains("sluice_pool_rejected_tasks_total{");
	}

}
