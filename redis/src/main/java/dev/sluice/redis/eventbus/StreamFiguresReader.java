package dev.sluice.redis.eventbus;

import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.sluice.redis.connection.BackgroundConnection;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import org.jspecify.annotations.Nullable;

/**
 * Reads the {@link StreamFigures} of a transport's streams (length, and each group's
 * pending entries and lag) over its shared connection: for
 * {@link RedisEventTransport#stats()} now, within the caller's deadline, and for the
 * metrics' gauges from a copy at most a second old, within the publish timeout. Never
 * throws: a figure Redis did not give in time is {@code null}. Thread-safe.
 */
final class StreamFiguresReader {

	/** How long figures read from Redis serve metrics before they are read again. */
	private static final long CACHE_NANOS = TimeUnit.SECONDS.toNanos(1);

	private final BackgroundConnection<StatefulRedisConnection<String, String>> connection;

	private final long publishTimeoutNanos;

	private final RateLimitedLog log;

	/** The last figures read for metrics, by stream key. */
	private final Map<String, StreamFigures> cached = new ConcurrentHashMap<>();

	StreamFiguresReader(BackgroundConnection<StatefulRedisConnection<String, String>> connection,
			long publishTimeoutNanos, RateLimitedLog log) {
		this.connection = connection;
		this.publishTimeoutNanos = publishTimeoutNanos;
		this.log = log;
	}

	/**
	 * The stream's figures, read now: XLEN and XINFO GROUPS, pipelined, by the deadline
	 * at most.
	 */
	StreamFigures read(TopicState topic, long deadline) {
		Long length = null;
		Map<String, @Nullable Long> pending = null;
		Map<String, @Nullable Long> lag = null;
		try {
			RedisAsyncCommands<String, String> redis = this.connection.await(deadline).async();
			RedisFuture<Long> xlen = redis.xlen(topic.key);
			RedisFuture<List<Object>> info = topic.groups.isEmpty() ? null : redis.xinfoGroups(topic.key);
			length = Commands.await(xlen, deadline - System.nanoTime(), "XLEN");
			if (info != null) {
				pending = new HashMap<>();
				lag = new HashMap<>();
				try {
					// Lettuce answers XINFO GROUPS with a list, empty if there are no
					// groups
					for (Object entry : Objects
						.requireNonNull(Commands.await(info, deadline - System.nanoTime(), "XINFO GROUPS"))) {
						Map<String, Object> fields = Commands.fields(entry);
						String name = String.valueOf(fields.get("name"));
						pending.put(name, Commands.number(fields.get("pending")));
						lag.put(name, Commands.number(fields.get("lag")));
					}
				}
				catch (RedisException ex) {
					if (length == null || length != 0) {
						throw ex;
					}
					// no stream, no groups: nothing pending, nothing behind
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (TimeoutException | RuntimeException ex) {
			this.log.log(Level.DEBUG, "Could not read the figures of stream '" + topic.key + "': " + ex);
		}
		return new StreamFigures(length, pending, lag, System.nanoTime());
	}

	/**
	 * The stream's figures for metrics: read at most once a second, bounded by the
	 * publish timeout.
	 */
	StreamFigures cached(TopicState topic) {
		StreamFigures cached = this.cached.get(topic.key);
		if (cached != null && System.nanoTime() - cached.readAt() < CACHE_NANOS) {
			return cached;
		}
		StreamFigures fresh = read(topic, System.nanoTime() + this.publishTimeoutNanos);
		this.cached.put(topic.key, fresh);
		return fresh;
	}

}
