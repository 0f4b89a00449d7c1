package dev.sluice.redis.eventbus;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.sluice.InvalidSettingException;
import org.jspecify.annotations.Nullable;

/**
 * The settings of a {@link RedisEventTransport}, immutable and valid: the canonical
 * constructor refuses a value out of its range with an {@link InvalidSettingException}
 * that names the setting as it is written in configuration ({@code max-length},
 * {@code poll-timeout}, ...), so that a whole set is checked before anything connects.
 * {@link #defaults()} are the {@code DEFAULT_} constants, which are also the defaults of
 * the Spring Boot properties ({@code sluice.redis.*}).
 *
 * @param keyPrefix what every key starts with; may be empty, not null
 * @param instanceId this instance's id: it names the instance's consumers in groups
 * ({@code instanceId/member}) and is the {@code origin} of its events; not blank, or
 * {@code null} for a random one, so that a restarted instance is a new consumer (what the
 * old one left pending is claimed after claim-idle)
 * @param maxLength each stream is trimmed toward this many entries, never past one that a
 * group has not acknowledged or not yet been delivered; at least 1, and
 * {@link #NO_TRIMMING} for none
 * @param maxDeliveries how many times a group delivers an event before it goes to the
 * dead-letter stream; at least 1
 * @param claimIdle how long an event must have been pending, unacknowledged, before a
 * member may take it over: longer than a member takes over one batch, or events are
 * handled twice
 * @param pollTimeout how long one read waits in Redis for new entries (XREAD BLOCK); it
 * bounds how fast a stop is seen; at most {@link #MAX_POLL_TIMEOUT}, and it should stay
 * well under the client's command timeout
 * @param batchSize how many entries one read takes at most; 1 to {@value #MAX_BATCH_SIZE}
 * @param publishTimeout how long a publish waits for Redis to acknowledge the XADD (and a
 * subscribe for its group to be created) before it fails; it also bounds the reads of
 * {@link RedisEventTransport#stats()} and of the metrics
 * @param trimInterval how often the streams are trimmed
 * @param losslessBroadcast whether the broadcast readers' positions hold the trim: when
 * true, this instance's broadcast readers register their position, and a stream is never
 * trimmed past an entry that a live registered reader has not read (by any instance's
 * trimmer, whatever its own setting), as it is never trimmed past one a group has not
 * acknowledged; when false (the default) a reader more than max-length entries behind
 * misses what is trimmed, and counts it
 * @param readerTtl how long a broadcast reader's position holds the trim after its
 * instance last said it is alive (every trim interval): a dead instance holds the stream
 * no longer than this; under lossless broadcast, at least twice the trim interval
 * @param maxEventSize the largest entry, in bytes (its field names and values, as UTF-8),
 * that a publish writes ({@link dev.sluice.eventbus.EventRejectedException} above it) and
 * that a reader delivers (above it, dead-lettered); at least 1 KiB
 */
public record RedisStreamSettings(String keyPrefix, @Nullable String instanceId, long maxLength, int maxDeliveries,
		Duration claimIdle, Duration pollTimeout, int batchSize, Duration publishTimeout, Duration trimInterval,
		boolean losslessBroadcast, Duration readerTtl, long maxEventSize) {

	/** Default {@link #keyPrefix}. */
	public static final String DEFAULT_KEY_PREFIX = "sluice:";

	/**
	 * Default {@link #maxLength}: streams are trimmed, so that they cannot fill Redis's
	 * memory.
	 */
	public static final long DEFAULT_MAX_LENGTH = 100_000;

	/**
	 * A {@link #maxLength} that no stream reaches: nothing is trimmed, and no trimmer
	 * runs.
	 */
	public static final long NO_TRIMMING = Long.MAX_VALUE;

	/** Default {@link #maxDeliveries}. */
	public static final int DEFAULT_MAX_DELIVERIES = 5;

	/** Default {@link #claimIdle}. */
	public static final Duration DEFAULT_CLAIM_IDLE = Duration.ofSeconds(30);

	/** Default {@link #pollTimeout}. */
	public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofSeconds(1);

	/** Default {@link #batchSize}. */
	public static final int DEFAULT_BATCH_SIZE = 16;

	/**
	 * Default {@link #publishTimeout}, the Spring side's
	 * {@code sluice.redis.operation-timeout}.
	 */
	public static final Duration DEFAULT_PUBLISH_TIMEOUT = Duration.ofMillis(500);

	/** Default {@link #trimInterval}. */
	public static final Duration DEFAULT_TRIM_INTERVAL = Duration.ofSeconds(1);

	/** Default {@link #losslessBroadcast}: broadcast is live, and its losses counted. */
	public static final boolean DEFAULT_LOSSLESS_BROADCAST = false;

	/** Default {@link #readerTtl}. */
	public static final Duration DEFAULT_READER_TTL = Duration.ofSeconds(30);

	/** Default {@link #maxEventSize}: 1 MiB. */
	public static final long DEFAULT_MAX_EVENT_SIZE = 1024 * 1024;

	/** Smallest {@link #maxEventSize}. */
	public static final long MIN_MAX_EVENT_SIZE = 1024;

	/**
	 * Longest {@link #pollTimeout}: a blocking read must end well within any command
	 * timeout.
	 */
	public static final Duration MAX_POLL_TIMEOUT = Duration.ofMinutes(5);

	/** Largest {@link #batchSize}. */
	public static final int MAX_BATCH_SIZE = 10_000;

	/**
	 * Longest of the other durations: a day is far beyond any useful wait or interval.
	 */
	public static final Duration MAX_DURATION = Duration.ofDays(1);

	public RedisStreamSettings {
		if (keyPrefix == null) {
			throw new InvalidSettingException("key-prefix", keyPrefix, "key-prefix must not be null (it may be empty)");
		}
		if (instanceId != null && instanceId.isBlank()) {
			throw new InvalidSettingException("instance-id", instanceId, "instance-id must not be blank");
		}
		if (maxLength < 1) {
			throw new InvalidSettingException("max-length", maxLength,
					"max-length must be at least 1, was " + maxLength);
		}
		if (maxDeliveries < 1) {
			throw new InvalidSettingException("max-deliveries", maxDeliveries,
					"max-deliveries must be at least 1, was " + maxDeliveries);
		}
		requireDuration("claim-idle", claimIdle);
		requireDuration("poll-timeout", pollTimeout);
		if (pollTimeout.compareTo(MAX_POLL_TIMEOUT) > 0) {
			throw new InvalidSettingException("poll-timeout", pollTimeout,
					"poll-timeout must be at most 5 minutes, was " + pollTimeout);
		}
		if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
			throw new InvalidSettingException("batch-size", batchSize,
					"batch-size must be between 1 and " + MAX_BATCH_SIZE + ", was " + batchSize);
		}
		requireDuration("publish-timeout", publishTimeout);
		requireDuration("trim-interval", trimInterval);
		requireDuration("reader-ttl", readerTtl);
		if (losslessBroadcast && readerTtl.compareTo(trimInterval.multipliedBy(2)) < 0) {
			throw new InvalidSettingException("reader-ttl", readerTtl,
					"reader-ttl must be at least twice trim-interval (" + trimInterval
							+ "), which is how often an instance says its readers are alive; was " + readerTtl);
		}
		if (maxEventSize < MIN_MAX_EVENT_SIZE) {
			throw new InvalidSettingException("max-event-size", maxEventSize,
					"max-event-size must be at least " + MIN_MAX_EVENT_SIZE + " bytes, was " + maxEventSize);
		}
	}

	/**
	 * Settings with the defaults of {@link #losslessBroadcast}, {@link #readerTtl} and
	 * {@link #maxEventSize}.
	 */
	public RedisStreamSettings(String keyPrefix, @Nullable String instanceId, long maxLength, int maxDeliveries,
			Duration claimIdle, Duration pollTimeout, int batchSize, Duration publishTimeout, Duration trimInterval) {
		this(keyPrefix, instanceId, maxLength, maxDeliveries, claimIdle, pollTimeout, batchSize, publishTimeout,
				trimInterval, DEFAULT_LOSSLESS_BROADCAST, DEFAULT_READER_TTL, DEFAULT_MAX_EVENT_SIZE);
	}

	/**
	 * The defaults: every setting at its {@code DEFAULT_} constant, and a random instance
	 * id.
	 */
	public static RedisStreamSettings defaults() {
		return new RedisStreamSettings(DEFAULT_KEY_PREFIX, null, DEFAULT_MAX_LENGTH, DEFAULT_MAX_DELIVERIES,
				DEFAULT_CLAIM_IDLE, DEFAULT_POLL_TIMEOUT, DEFAULT_BATCH_SIZE, DEFAULT_PUBLISH_TIMEOUT,
				DEFAULT_TRIM_INTERVAL);
	}

	private static void requireDuration(String name, Duration value) {
		if (value == null || value.compareTo(Duration.ofMillis(1)) < 0 || value.compareTo(MAX_DURATION) > 0) {
			throw new InvalidSettingException(name, value, name + " must be a duration from 1ms to "
					+ MAX_DURATION.toDays() + " day (such as 500ms), was " + value);
		}
	}

	/** A copy with another {@link #keyPrefix}. */
	public RedisStreamSettings withKeyPrefix(String keyPrefix) {
		return new RedisStreamSettings(keyPrefix, this.instanceId, this.maxLength, this.maxDeliveries, this.claimIdle,
				this.pollTimeout, this.batchSize, this.publishTimeout, this.trimInterval, this.losslessBroadcast,
				this.readerTtl, this.maxEventSize);
	}

	/** A copy with another {@link #instanceId}. */
	public RedisStreamSettings withInstanceId(@Nullable String instanceId) {
		return new RedisStreamSettings(this.keyPrefix, instanceId, this.maxLength, this.maxDeliveries, this.claimIdle,
				this.pollTimeout, this.batchSize, this.publishTimeout, this.trimInterval, this.losslessBroadcast,
				this.readerTtl, this.maxEventSize);
	}

	/** A copy with another {@link #maxLength}. */
	public RedisStreamSettings withMaxLength(long maxLength) {
		return new RedisStreamSettings(this.keyPrefix, this.instanceId, maxLength, this.maxDeliveries, this.claimIdle,
				this.pollTimeout, this.batchSize, this.publishTimeout, this.trimInterval, this.losslessBroadcast,
				this.readerTtl, this.maxEventSize);
	}

	/** A copy with another {@link #maxDeliveries}. */
	public RedisStreamSettings withMaxDeliveries(int maxDeliveries) {
		return new RedisStreamSettings(this.keyPrefix, this.instanceId, this.maxLength, maxDeliveries, this.claimIdle,
				this.pollTimeout, this.batchSize, this.publishTimeout, this.trimInterval, this.losslessBroadcast,
				this.readerTtl, this.maxEventSize);
	}

	/** A copy with another {@link #claimIdle}. */
	public RedisStreamSettings withClaimIdle(Duration claimIdle) {
		return new RedisStreamSettings(this.keyPrefix, this.instanceId, this.maxLength, this.maxDeliveries, claimIdle,
				this.pollTimeout, this.batchSize, this.publishTimeout, this.trimInterval, this.losslessBroadcast,
				this.readerTtl, this.maxEventSize);
	}

	/** A copy with another {@link #pollTimeout}. */
	public RedisStreamSettings withPollTimeout(Duration pollTimeout) {
		return new RedisStreamSettings(this.keyPrefix, this.instanceId, this.maxLength, this.maxDeliveries,
				this.claimIdle, pollTimeout, this.batchSize, this.publishTimeout, this.trimInterval,
				this.losslessBroadcast, this.readerTtl, this.maxEventSize);
	}

	/** A copy with another {@link #batchSize}. */
	public RedisStreamSettings withBatchSize(int batchSize) {
		return new RedisStreamSettings(this.keyPrefix, this.instanceId, this.maxLength, this.maxDeliveries,
				this.claimIdle, this.pollTimeout, batchSize, this.publishTimeout, this.trimInterval,
				this.losslessBroadcast, this.readerTtl, this.maxEventSize);
	}

	/** A copy with another {@link #publishTimeout}. */
	public RedisStreamSettings withPublishTimeout(Duration publishTimeout) {
		return new RedisStreamSettings(this.keyPrefix, this.instanceId, this.maxLength, this.maxDeliveries,
				this.claimIdle, this.pollTimeout, this.batchSize, publishTimeout, this.trimInterval,
				this.losslessBroadcast, this.readerTtl, this.maxEventSize);
	}

	/** A copy with another {@link #trimInterval}. */
	public RedisStreamSettings withTrimInterval(Duration trimInterval) {
		return new RedisStreamSettings(this.keyPrefix, this.instanceId, this.maxLength, this.maxDeliveries,
				this.claimIdle, this.pollTimeout, this.batchSize, this.publishTimeout, trimInterval,
				this.losslessBroadcast, this.readerTtl, this.maxEventSize);
	}

	/** A copy with another {@link #losslessBroadcast}. */
	public RedisStreamSettings withLosslessBroadcast(boolean losslessBroadcast) {
		return new RedisStreamSettings(this.keyPrefix, this.instanceId, this.maxLength, this.maxDeliveries,
				this.claimIdle, this.pollTimeout, this.batchSize, this.publishTimeout, this.trimInterval,
				losslessBroadcast, this.readerTtl, this.maxEventSize);
	}

	/** A copy with another {@link #readerTtl}. */
	public RedisStreamSettings withReaderTtl(Duration readerTtl) {
		return new RedisStreamSettings(this.keyPrefix, this.instanceId, this.maxLength, this.maxDeliveries,
				this.claimIdle, this.pollTimeout, this.batchSize, this.publishTimeout, this.trimInterval,
				this.losslessBroadcast, readerTtl, this.maxEventSize);
	}

	/** A copy with another {@link #maxEventSize}. */
	public RedisStreamSettings withMaxEventSize(long maxEventSize) {
		return new RedisStreamSettings(this.keyPrefix, this.instanceId, this.maxLength, this.maxDeliveries,
				this.claimIdle, this.pollTimeout, this.batchSize, this.publishTimeout, this.trimInterval,
				this.losslessBroadcast, this.readerTtl, maxEventSize);
	}

	/** Whether streams are trimmed: {@link #maxLength} is not {@link #NO_TRIMMING}. */
	public boolean trims() {
		return this.maxLength != NO_TRIMMING;
	}

	/*
	 * Bounds derived from the settings, for the transport's threads. Every wait on Redis
	 * is bounded by one of these, never by the client's command timeout (which may be a
	 * minute).
	 */

	long publishTimeoutNanos() {
		return this.publishTimeout.toNanos();
	}

	/**
	 * Bound on a blocking read: the poll timeout, and as long again (at least a second)
	 * for the answer.
	 */
	long readTimeoutNanos() {
		long poll = this.pollTimeout.toNanos();
		return poll + Math.max(TimeUnit.SECONDS.toNanos(1), poll);
	}

	/** Bound on the other commands of readers and members, which nobody waits for. */
	long workerTimeoutNanos() {
		return Math.max(TimeUnit.SECONDS.toNanos(2), publishTimeoutNanos());
	}

	/** How often a group member looks for entries left idle for claim-idle. */
	long reclaimEveryNanos() {
		return Math.max(TimeUnit.MILLISECONDS.toNanos(10), this.claimIdle.toNanos() / 2);
	}
}
