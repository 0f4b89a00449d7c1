package dev.sluice.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.SubscriberStats;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Orders publish events; a fast subscriber gets them all, a slow one drops the oldest.
 * Over HTTP.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class EventBusEndpointsTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Autowired
	private EventBus bus;

	@Test
	void theFastSubscriberGetsEveryOrderAndTheSlowOneDropsTheOldest() throws Exception {
		HttpResponse<String> placed = this.http
			.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/orders/1000/place?count=200"))
				.POST(HttpRequest.BodyPublishers.noBody())
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(placed.statusCode()).isEqualTo(200);
		assertThat(placed.body()).contains("\"published\":200");
		await().until(() -> this.bus.stats().stream().allMatch((stats) -> stats.queued() == 0));
		SubscriberStats audit = stats("audit");
		SubscriberStats mailer = stats("mailer");
		assertThat(audit.delivered()).isEqualTo(200);
		assertThat(audit.dropped()).isZero();
		assertThat(mailer.droppedOldest()).isPositive();
		assertThat(mailer.offered()).isEqualTo(mailer.delivered() + mailer.dropped() + mailer.failed());
		String events = this.http
			.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/events")).build(),
					HttpResponse.BodyHandlers.ofString())
			.body();
		assertThat(events).contains("\"audit\":{\"received\":200", "\"mailer\":{\"received\":");
		String sluice = this.http
			.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/actuator/sluice/event-bus"))
				.build(), HttpResponse.BodyHandlers.ofString())
			.body();
		assertThat(sluice).contains("\"orders\"", "\"audit\"", "\"mailer\"", "\"overflow\":\"DROP_OLDEST\"");
	}

	private SubscriberStats stats(String name) {
		return this.bus.stats().stream().filter((stats) -> stats.name().equals(name)).findFirst().orElseThrow();
	}

}
