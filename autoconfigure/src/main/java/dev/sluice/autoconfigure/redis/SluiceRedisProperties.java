package dev.sluice.autoconfigure.redis;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration of Sluice's Redis side: cluster rate limiters
 * ({@code sluice.rate-limiter.instances.<name>.scope:
 * cluster}) and the event bus between instances
 * ({@code sluice.event-bus.transport: redis}). The connection itself is Spring Boot's
 * ({@code spring.data.redis.*}).
 *
 * <p>
 * The defaults are those of {@link dev.sluice.redis.eventbus.RedisStreamSettings} (its
 * {@code DEFAULT_} constants), written out as literals because the configuration metadata
 * is generated from the field initialisers; a test keeps the two equal.
 */
@ConfigurationProperties("sluice.redis")
public class SluiceRedisProperties {

	/**
	 * Prefix of every key Sluice writes, so that several applications can share one
	 * Redis.
	 */
	private String keyPrefix = "sluice:";

	/**
	 * Name of this instance among those sharing Redis (the consumer name in stream
	 * groups). Defaults to the application name and a random suffix.
	 */
	private @Nullable String instanceId;

	/**
	 * Longest a single Redis round trip may take before a call treats Redis as
	 * unreachable.
	 */
	private Duration operationTimeout = Duration.ofMillis(500);

	/**
	 * Event types that may cross the wire, by the name they travel under (such as
	 * order-placed: com.example.OrderPlaced). Events of other types cannot be published
	 * to a Redis topic, and messages naming other types are dead-lettered.
	 */
	private final Map<String, String> eventTypes = new LinkedHashMap<>();

	/**
	 * Settings of the event streams.
	 */
	private final Streams streams = new Streams();

	public String getKeyPrefix() {
		return this.keyPrefix;
	}

	public void setKeyPrefix(String keyPrefix) {
		this.keyPrefix = keyPrefix;
	}

	public @Nullable String getInstanceId() {
		return this.instanceId;
	}

	public void setInstanceId(@Nullable String instanceId) {
		this.instanceId = instanceId;
	}

	public Duration getOperationTimeout() {
		return this.operationTimeout;
	}

	public void setOperationTimeout(Duration operationTimeout) {
		this.operationTimeout = operationTimeout;
	}

	public Map<String, String> getEventTypes() {
		return this.eventTypes;
	}

	public Streams getStreams() {
		return this.streams;
	}

	/** Settings of the Redis Streams that carry events. */
	public static class Streams {

		/**
		 * Length each topic's stream is trimmed toward; entries a group has not
		 * acknowledged are never trimmed.
		 */
		private long maxLength = 100_000;

		/**
		 * Deliveries of one event to a group before it goes to the topic's dead-letter
		 * stream.
		 */
		private int maxDeliveries = 5;

		/**
		 * How long an event may stay unacknowledged by a group member before another
		 * member reclaims it.
		 */
		private Duration claimIdle = Duration.ofSeconds(30);

		/**
		 * How long a read waits on Redis for new events; bounds how fast shutdown is
		 * noticed.
		 */
		private Duration pollTimeout = Duration.ofSeconds(1);

		/**
		 * Most events read in one round trip. A group member's events count as idle from
		 * when they are read, so claim-idle must exceed the time a member takes over a
		 * whole batch.
		 */
		private int batchSize = 16;

		/**
		 * Whether this instance's broadcast readers hold the trim: each stream is then
		 * never trimmed past an event a live reader has not read. Off, a reader more than
		 * max-length events behind misses what is trimmed, and counts it.
		 */
		private boolean losslessBroadcast = false;

		/**
		 * How long a broadcast reader holds the trim after its instance last renewed it
		 * (every second), under lossless broadcast: a dead instance holds a stream no
		 * longer.
		 */
		private Duration readerTtl = Duration.ofSeconds(30);

		/**
		 * Largest event entry: a bigger publish is refused, and a bigger entry read is
		 * dead-lettered.
		 */
		private DataSize maxEventSize = DataSize.ofMegabytes(1);

		public boolean isLosslessBroadcast() {
			return this.losslessBroadcast;
		}

		public void setLosslessBroadcast(boolean losslessBroadcast) {
			this.losslessBroadcast = losslessBroadcast;
		}

		public Duration getReaderTtl() {
			return this.readerTtl;
		}

		public void setReaderTtl(Duration readerTtl) {
			this.readerTtl = readerTtl;
		}

		public DataSize getMaxEventSize() {
			return this.maxEventSize;
		}

		public void setMaxEventSize(DataSize maxEventSize) {
			this.maxEventSize = maxEventSize;
		}

		public long getMaxLength() {
			return this.maxLength;
		}

		public void setMaxLength(long maxLength) {
			this.maxLength = maxLength;
		}

		public int getMaxDeliveries() {
			return this.maxDeliveries;
		}

		public void setMaxDeliveries(int maxDeliveries) {
			this.maxDeliveries = maxDeliveries;
		}

		public Duration getClaimIdle() {
			return this.claimIdle;
		}

		public void setClaimIdle(Duration claimIdle) {
			this.claimIdle = claimIdle;
		}

		public Duration getPollTimeout() {
			return this.pollTimeout;
		}

		public void setPollTimeout(Duration pollTimeout) {
			this.pollTimeout = pollTimeout;
		}

		public int getBatchSize() {
			return this.batchSize;
		}

		public void setBatchSize(int batchSize) {
			this.batchSize = batchSize;
		}

	}

}
