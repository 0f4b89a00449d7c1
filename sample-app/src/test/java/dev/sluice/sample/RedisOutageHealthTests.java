package dev.sluice.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import dev.sluice.redis.testing.OwnedRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The sample app in its redis profile, on a Redis of the test's own:
 * {@code /actuator/health} answers within a bound (DOWN, 503) while Redis is stopped or
 * frozen, and UP again once it is back; it used to wait 60 seconds for Spring Boot's own
 * Redis check.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@ActiveProfiles("redis")
@DirtiesContext
class RedisOutageHealthTests {

	/** Generous: Sluice's check is bounded by sluice.redis.operation-timeout (500ms). */
	private static final Duration BOUND = Duration.ofSeconds(2);

	private static OwnedRedis redis;

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@DynamicPropertySource
	static void redis(DynamicPropertyRegistry registry) {
		redis = OwnedRedis.start();
		registry.add("spring.data.redis.host", () -> "127.0.0.1");
		registry.add("spring.data.redis.port", redis::port);
		registry.add("sluice.redis.streams.poll-timeout", () -> "200ms");
	}

	@AfterAll
	static void stopRedis() {
		if (redis != null) {
			redis.close();
		}
	}

	@Test
	void healthAnswersWithinTheBoundWhileRedisIsStoppedAndWhileItIsFrozen() throws Exception {
		// the first request warms the web stack up, unbounded
		assertThat(this.http.send(request(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
		redis.kill();
		for (int i = 0; i < 3; i++) {
			HttpResponse<String> down = healthWithinBound();
			assertThat(down.statusCode()).isEqualTo(503);
			assertThat(down.body()).contains("\"status\":\"DOWN\"");
		}
		redis.restart();
		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(healthWithinBound().statusCode()).isEqualTo(200));
		redis.freeze();
		try {
			for (int i = 0; i < 3; i++) {
				assertThat(healthWithinBound().statusCode()).isEqualTo(503);
			}
		}
		finally {
			redis.thaw();
		}
		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(healthWithinBound().statusCode()).isEqualTo(200));
	}

	private HttpResponse<String> healthWithinBound() {
		HttpRequest request = request();
		return assertTimeoutPreemptively(BOUND, () -> this.http.send(request, HttpResponse.BodyHandlers.ofString()),
				"/actuator/health did not answer within " + BOUND);
	}

	private HttpRequest request() {
		return HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/actuator/health"))
			.timeout(Duration.ofSeconds(90))
			.build();
	}

}
