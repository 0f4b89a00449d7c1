package dev.sluice.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import dev.sluice.redis.testing.TestRedis;
import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample app with its redis profile, over real HTTP: events through Redis Streams, a
 * shared limit.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@ActiveProfiles("redis")
class RedisProfileTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@DynamicPropertySource
	static void redis(DynamicPropertyRegistry registry) {
		RedisURI uri = TestRedis.uri();
		registry.add("spring.data.redis.host", uri::getHost);
		registry.add("spring.data.redis.port", uri::getPort);
		registry.add("sluice.redis.key-prefix", TestRedis::uniquePrefix);
		registry.add("sluice.redis.streams.poll-timeout", () -> "200ms");
	}

	@Test
	void ordersTravelThroughRedisToEverySubscriberAndTheGroup() throws Exception {
		HttpResponse<String> placed = send(post("/orders/5000/place?count=50"));
		assertThat(placed.statusCode()).isEqualTo(200);
		await().untilAsserted(() -> assertThat(send(get("/events")).body()).contains("\"audit\":{\"received\":50",
				"\"fulfilment\":{\"received\":50"));
		String sluice = send(get("/actuator/sluice/redis")).body();
		assertThat(sluice).contains("\"event-streams\"", "\"orders\"", "\"rate-limiters\"", "\"partner-api\"");
		String health = send(get("/actuator/health")).body();
		assertThat(health).contains("\"status\":\"UP\"");
	}

	@Test
	void thePartnerApiLimitIsHeldInRedis() throws Exception {
		List<Integer> statuses = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			statuses.add(send(get("/quotes/ACME")).statusCode());
		}
		assertThat(statuses).contains(200, 429);
		assertThat(send(get("/actuator/sluice/redis")).body()).contains("\"roundTrips\"");
	}

	private HttpRequest get(String path) {
		return HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path)).build();
	}

	private HttpRequest post(String path) {
		return HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.POST(HttpRequest.BodyPublishers.noBody())
			.build();
	}

	private HttpResponse<String> send(HttpRequest request) throws Exception {
		return this.http.send(request, HttpResponse.BodyHandlers.ofString());
	}

}
