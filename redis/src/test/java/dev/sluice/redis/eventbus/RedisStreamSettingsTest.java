package dev.sluice.redis.eventbus;

import java.time.Duration;

import dev.sluice.InvalidSettingException;
import io.lettuce.core.RedisClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class RedisStreamSettingsTest {

	@Test
	void theDefaultsAreTheConstants() {
		RedisStreamSettings defaults = RedisStreamSettings.defaults();
		assertThat(defaults).isEqualTo(new RedisStreamSettings("sluice:", null, 100_000, 5, Duration.ofSeconds(30),
				Duration.ofSeconds(1), 16, Duration.ofMillis(500), Duration.ofSeconds(1)));
		assertThat(defaults.trims()).isTrue();
		assertThat(defaults.withMaxLength(RedisStreamSettings.NO_TRIMMING).trims()).isFalse();
	}

	@Test
	void eachCopyChangesOneSetting() {
		RedisStreamSettings defaults = RedisStreamSettings.defaults();
		assertThat(defaults.withKeyPrefix("")).extracting(RedisStreamSettings::keyPrefix).isEqualTo("");
		assertThat(defaults.withInstanceId("a")
			.withMaxDeliveries(2)
			.withBatchSize(3)
			.withMaxLength(4)
			.withClaimIdle(Duration.ofSeconds(5))
			.withPollTimeout(Duration.ofSeconds(6))
			.withPublishTimeout(Duration.ofSeconds(7))
			.withTrimInterval(Duration.ofSeconds(8)))
			.isEqualTo(new RedisStreamSettings("sluice:", "a", 4, 2, Duration.ofSeconds(5), Duration.ofSeconds(6), 3,
					Duration.ofSeconds(7), Duration.ofSeconds(8)));
	}

	@Test
	void aValueOutOfRangeNamesItsSetting() {
		RedisStreamSettings defaults = RedisStreamSettings.defaults();
		assertRefused(() -> defaults.withKeyPrefix(null), "key-prefix",
				"key-prefix must not be null (it may be empty)");
		assertRefused(() -> defaults.withInstanceId(" "), "instance-id", "instance-id must not be blank");
		assertRefused(() -> defaults.withMaxLength(0), "max-length", "max-length must be at least 1, was 0");
		assertRefused(() -> defaults.withMaxDeliveries(0), "max-deliveries",
				"max-deliveries must be at least 1, was 0");
		assertRefused(() -> defaults.withClaimIdle(Duration.ZERO), "claim-idle",
				"claim-idle must be a duration from 1ms to 1 day (such as 500ms), was PT0S");
		assertRefused(() -> defaults.withPollTimeout(Duration.ofMinutes(6)), "poll-timeout",
				"poll-timeout must be at most 5 minutes, was PT6M");
		assertRefused(() -> defaults.withBatchSize(10_001), "batch-size",
				"batch-size must be between 1 and 10000, was 10001");
		assertRefused(() -> defaults.withPublishTimeout(Duration.ofDays(2)), "publish-timeout",
				"publish-timeout must be a duration from 1ms to 1 day (such as 500ms), was PT48H");
		assertRefused(() -> defaults.withTrimInterval(null), "trim-interval",
				"trim-interval must be a duration from 1ms to 1 day (such as 500ms), was null");
	}

	@Test
	void theBuilderMakesTheSettingsItWasGiven() {
		RedisClient client = RedisClient.create();
		try {
			RedisStreamSettings settings = RedisStreamSettings.defaults().withKeyPrefix("app:").withInstanceId("one");
			RedisEventTransport transport = RedisEventTransport.builder(client)
				.settings(settings)
				.batchSize(32)
				.eventTypes(Instances.TYPES)
				.build();
			try {
				assertThat(transport.settings()).isEqualTo(settings.withBatchSize(32));
				assertThat(transport.instanceId()).isEqualTo("one");
			}
			finally {
				transport.close();
			}
		}
		finally {
			client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
		}
	}

	private static void assertRefused(Runnable change, String setting, String message) {
		assertThatExceptionOfType(InvalidSettingException.class).isThrownBy(change::run)
			.withMessage(message)
			.satisfies((ex) -> assertThat(ex.setting()).isEqualTo(setting));
	}

}
