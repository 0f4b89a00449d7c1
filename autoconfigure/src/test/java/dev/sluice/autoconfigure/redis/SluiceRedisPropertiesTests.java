package dev.sluice.autoconfigure.redis;

import dev.sluice.redis.eventbus.RedisStreamSettings;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The properties' defaults are literals (for the configuration metadata); they must be
 * the transport's.
 */
class SluiceRedisPropertiesTests {

	@Test
	void theDefaultsAreThoseOfTheTransportsSettings() {
		SluiceRedisProperties properties = new SluiceRedisProperties();
		SluiceRedisProperties.Streams streams = properties.getStreams();
		assertThat(properties.getKeyPrefix()).isEqualTo(RedisStreamSettings.DEFAULT_KEY_PREFIX);
		assertThat(properties.getInstanceId()).isNull();
		assertThat(properties.getOperationTimeout()).isEqualTo(RedisStreamSettings.DEFAULT_PUBLISH_TIMEOUT);
		assertThat(streams.getMaxLength()).isEqualTo(RedisStreamSettings.DEFAULT_MAX_LENGTH);
		assertThat(streams.getMaxDeliveries()).isEqualTo(RedisStreamSettings.DEFAULT_MAX_DELIVERIES);
		assertThat(streams.getClaimIdle()).isEqualTo(RedisStreamSettings.DEFAULT_CLAIM_IDLE);
		assertThat(streams.getPollTimeout()).isEqualTo(RedisStreamSettings.DEFAULT_POLL_TIMEOUT);
		assertThat(streams.getBatchSize()).isEqualTo(RedisStreamSettings.DEFAULT_BATCH_SIZE);
		assertThat(streams.isLosslessBroadcast()).isEqualTo(RedisStreamSettings.DEFAULT_LOSSLESS_BROADCAST);
		assertThat(streams.getReaderTtl()).isEqualTo(RedisStreamSettings.DEFAULT_READER_TTL);
		assertThat(streams.getMaxEventSize().toBytes()).isEqualTo(RedisStreamSettings.DEFAULT_MAX_EVENT_SIZE);
		// and so, all together
		assertThat(new RedisStreamSettings(properties.getKeyPrefix(), properties.getInstanceId(),
				streams.getMaxLength(), streams.getMaxDeliveries(), streams.getClaimIdle(), streams.getPollTimeout(),
				streams.getBatchSize(), properties.getOperationTimeout(), RedisStreamSettings.DEFAULT_TRIM_INTERVAL,
				streams.isLosslessBroadcast(), streams.getReaderTtl(), streams.getMaxEventSize().toBytes()))
			.isEqualTo(RedisStreamSettings.defaults());
	}

}
