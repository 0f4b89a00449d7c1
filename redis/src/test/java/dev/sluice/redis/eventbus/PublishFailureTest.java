package dev.sluice.redis.eventbus;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.EventRejectedException;
import dev.sluice.eventbus.SubscriberOptions;
import dev.sluice.redis.eventbus.Instances.Instance;
import dev.sluice.redis.eventbus.Instances.Ping;
import dev.sluice.redis.testing.OwnedRedis;
import dev.sluice.redis.testing.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class PublishFailureTest {

	/** A type that is not in {@link Instances#TYPES}. */
	record Unregistered(int id) {
	}

	@Test
	void publishingAnUnregisteredTypeFailsClearly() {
		try (Instances instances = new Instances(TestRedis.uri(), TestRedis.uniquePrefix())) {
			Instance instance = instances.start("node");
			assertThatIllegalArgumentException().isThrownBy(() -> instance.bus().publish("jobs", new Unregistered(1)))
				.withMessageContaining(Unregistered.class.getName())
				.withMessageContaining("is not registered as an event type")
				.withMessageContaining("ping=" + Ping.class.getName());
		}
	}

	@Test
	void publishingWhileRedisIsUnreachableIsRejectedWithinThePublishTimeout() throws IOException {
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
		RedisEventTransport transport = RedisEventTransport.builder(client)
			.eventTypes(Instances.TYPES)
			.publishTimeout(Duration.ofMillis(300))
			.build();
		EventBus bus = EventBus.create("unreachable", 1, transport);
		try {
			for (int attempt = 0; attempt < 3; attempt++) {
				long started = System.nanoTime();
				assertThatExceptionOfType(EventRejectedException.class)
					.isThrownBy(() -> bus.publish("jobs", new Ping(1)))
					.withMessageStartingWith("Event of type 'ping' was not published to topic 'jobs'")
					.satisfies((ex) -> assertThat(ex.topic()).isEqualTo("jobs"));
				assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
			}
			assertThat(transport.ping(Duration.ofMillis(200))).isFalse();
			// a member can subscribe while Redis is down; it creates its group once Redis
			// answers
			assertThat(bus.subscribe("jobs", Ping.class, (ping) -> {
			}, SubscriberOptions.named("w").withGroup("g"))).isNotNull();
		}
		finally {
			bus.stopIntake();
			bus.abandonRemaining();
			transport.close();
			client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
		}
	}

	@Test
	void publishingWhileRedisIsDownAfterAConnectionFailsWithinAboutThePublishTimeout() throws InterruptedException {
		try (OwnedRedis redis = OwnedRedis.start()) {
			RedisClient client = RedisClient.create(redis.uri());
			RedisEventTransport transport = RedisEventTransport.builder(client)
				.eventTypes(Instances.TYPES)
				.publishTimeout(Duration.ofMillis(500))
				.build();
			EventBus bus = EventBus.create("down", 1, transport);
			try {
				assertThat(transport.ping(Duration.ofSeconds(10))).isTrue();
				bus.publish("jobs", new Ping(1));
				redis.kill();
				List<Duration> took = new ArrayList<>();
				for (int attempt = 0; attempt < 3; attempt++) {
					long started = System.nanoTime();
					assertThatExceptionOfType(EventRejectedException.class)
						.isThrownBy(() -> bus.publish("jobs", new Ping(2)))
						.withMessageStartingWith("Event of type 'ping' was not published to topic 'jobs'");
					took.add(Duration.ofNanos(System.nanoTime() - started));
				}
				assertThat(took).allSatisfy((duration) -> assertThat(duration).isLessThan(Duration.ofMillis(2500)));
				assertThat(transport.ping(Duration.ofMillis(200))).isFalse();
			}
			finally {
				bus.stopIntake();
				bus.abandonRemaining();
				transport.close();
				client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
			}
		}
	}

}
