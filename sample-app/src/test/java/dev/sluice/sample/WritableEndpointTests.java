package dev.sluice.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import dev.sluice.bulkhead.BulkheadRegistry;
import dev.sluice.ratelimit.RateLimiterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With write access enabled, limits change at run time through {@code /actuator/sluice}.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "management.endpoint.sluice.access=unrestricted")
class WritableEndpointTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Autowired
	private BulkheadRegistry bulkheads;

	@Autowired
	private RateLimiterRegistry limiters;

	private HttpResponse<String> post(String path, String json) throws Exception {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(json))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	@Test
	void semaphorePermitsAndLimiterRateChangeAtRunTime() throws Exception {
		HttpResponse<String> permits = post("/actuator/sluice/bulkheads/legacy-db", "{\"permits\": 5}");
		assertThat(permits.statusCode()).isEqualTo(200);
		assertThat(permits.body()).contains("\"permits\":5");
		assertThat(this.bulkheads.get("legacy-db").permits()).isEqualTo(5);

		HttpResponse<String> rate = post("/actuator/sluice/rate-limiters/partner-api", "{\"rate\": 30}");
		assertThat(rate.statusCode()).isEqualTo(200);
		assertThat(this.limiters.get("partner-api").config().rate()).isEqualTo(30);
	}

	@Test
	void aBadChangeIsRefusedWithABadRequest() throws Exception {
		assertThat(post("/actuator/sluice/bulkheads/legacy-db", "{\"permits\": 0}").statusCode()).isEqualTo(400);
		HttpResponse<String> unknown = post("/actuator/sluice/bulkheads/nope", "{\"permits\": 3}");
		assertThat(unknown.statusCode()).isEqualTo(400);
		assertThat(post("/actuator/sluice/bulkheads/legacy-db", "{}").statusCode()).isEqualTo(400);
	}

}
