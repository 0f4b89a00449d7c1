package dev.sluice.redis.eventbus;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.sluice.redis.eventbus.Instances.Note;
import dev.sluice.redis.eventbus.Instances.Ping;
import io.lettuce.core.RedisClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class EventTypesTest {

	@Test
	void looksUpBothWays() {
		EventTypes types = EventTypes.builder().register("ping", Ping.class).register("note", Note.class).build();
		assertThat(types.type("ping")).contains(Ping.class);
		assertThat(types.name(Note.class)).contains("note");
		assertThat(types.type("nope")).isEmpty();
		assertThat(types.names()).containsExactly("ping", "note");
		assertThat(types.nameOf(new Ping(1))).isEqualTo("ping");
	}

	@Test
	void ofMapValidatesLikeTheBuilder() {
		Map<String, Class<?>> map = new LinkedHashMap<>();
		map.put("ping", Ping.class);
		assertThat(EventTypes.of(map).asMap()).containsEntry("ping", Ping.class);
		map.put(" ", Note.class);
		assertThatIllegalArgumentException().isThrownBy(() -> EventTypes.of(map)).withMessageContaining("blank");
	}

	@Test
	void refusesBlankNamesAndDuplicates() {
		assertThatIllegalArgumentException().isThrownBy(() -> EventTypes.builder().register("", Ping.class))
			.withMessageContaining("must not be blank")
			.withMessageContaining(Ping.class.getName());
		assertThatIllegalArgumentException().isThrownBy(() -> EventTypes.builder().register("ping", null))
			.withMessageContaining("'ping'");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> EventTypes.builder().register("ping", Ping.class).register("ping", Note.class))
			.withMessageContaining("'ping' is registered twice")
			.withMessageContaining(Note.class.getName());
		assertThatIllegalArgumentException()
			.isThrownBy(() -> EventTypes.builder().register("ping", Ping.class).register("pong", Ping.class))
			.withMessageContaining(Ping.class.getName() + " is registered twice");
		assertThatIllegalArgumentException().isThrownBy(() -> EventTypes.builder().register(" ping", Ping.class))
			.withMessageContaining("whitespace");
	}

	@Test
	void anUnregisteredClassNamesItselfAndTheRegisteredTypes() {
		EventTypes types = EventTypes.builder().register("ping", Ping.class).build();
		assertThatIllegalArgumentException().isThrownBy(() -> types.nameOf(new Note("x")))
			.withMessageContaining(Note.class.getName())
			.withMessageContaining("ping=" + Ping.class.getName());
	}

	@Test
	void theTransportBuilderValidatesItsSettings() {
		RedisClient client = RedisClient.create();
		try {
			RedisEventTransport.Builder builder = RedisEventTransport.builder(client);
			assertThatIllegalStateException().isThrownBy(builder::build)
				.withMessageContaining("event-types must be set");
			assertThatIllegalArgumentException().isThrownBy(() -> builder.maxLength(0))
				.withMessage("max-length must be at least 1, was 0");
			assertThatIllegalArgumentException().isThrownBy(() -> builder.maxDeliveries(0))
				.withMessage("max-deliveries must be at least 1, was 0");
			assertThatIllegalArgumentException().isThrownBy(() -> builder.claimIdle(Duration.ZERO))
				.withMessageContaining("claim-idle must be a duration from 1ms to 1 day");
			assertThatIllegalArgumentException().isThrownBy(() -> builder.pollTimeout(Duration.ofMillis(-1)))
				.withMessageContaining("poll-timeout");
			assertThatIllegalArgumentException().isThrownBy(() -> builder.pollTimeout(Duration.ofHours(1)))
				.withMessageContaining("at most 5 minutes");
			assertThatIllegalArgumentException().isThrownBy(() -> builder.publishTimeout(null))
				.withMessageContaining("publish-timeout");
			assertThatIllegalArgumentException().isThrownBy(() -> builder.batchSize(0))
				.withMessageContaining("batch-size must be between 1 and 10000");
			assertThatIllegalArgumentException().isThrownBy(() -> builder.instanceId(" "))
				.withMessageContaining("instance-id must not be blank");
			assertThatIllegalArgumentException().isThrownBy(() -> builder.keyPrefix(null))
				.withMessageContaining("key-prefix");
			assertThatIllegalArgumentException().isThrownBy(() -> builder.topics(null)).withMessageContaining("topics");
			assertThatIllegalArgumentException().isThrownBy(() -> builder.trimInterval(Duration.ZERO))
				.withMessageContaining("trim-interval");
			RedisEventTransport transport = builder.eventTypes(Instances.TYPES).keyPrefix("app:").build();
			assertThat(transport.streamKey("orders")).isEqualTo("app:events:orders");
			assertThat(transport.deadLetterKey("orders")).isEqualTo("app:events:orders:dead");
			assertThat(transport.instanceId()).isNotBlank();
			transport.close();
		}
		finally {
			client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
		}
	}

}
