package dev.sluice.redis.eventbus;

import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import dev.sluice.eventbus.EventRejectedException;
import dev.sluice.redis.connection.BackgroundConnection;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import org.jspecify.annotations.Nullable;

/**
 * Publishes for one transport: an event is one XADD to its topic's stream over the shared
 * connection, and {@link #publish} returns only once Redis acknowledged it. Within the
 * publish timeout, whether for the connection or for the answer, or it throws an
 * {@link EventRejectedException} that says which (a timed-out XADD may still have reached
 * Redis). Thread-safe: publishers share the connection, and Lettuce pipelines their
 * XADDs.
 */
final class StreamPublisher {

	private final BackgroundConnection<StatefulRedisConnection<String, String>> connection;

	private final Wire wire;

	private final long timeoutNanos;

	StreamPublisher(BackgroundConnection<StatefulRedisConnection<String, String>> connection, Wire wire,
			long timeoutNanos) {
		this.connection = connection;
		this.wire = wire;
		this.timeoutNanos = timeoutNanos;
	}

	/**
	 * Adds the event, with its id if it has one and its headers, to the topic's stream
	 * and counts it as published.
	 * @throws IllegalArgumentException if the event's type is not registered, or it
	 * cannot be written
	 * @throws EventRejectedException if it is larger than max-event-size, or Redis did
	 * not take it within the publish timeout
	 */
	void publish(TopicState topic, Object event, @Nullable String eventId, Map<String, String> headers)
			throws InterruptedException {
		Map<String, String> body = this.wire.encode(event, eventId, headers);
		// built only on failure: the message is not worth a string per publish
		Supplier<String> what = () -> "Event of type '" + body.get(Wire.TYPE) + "' was not published to topic '"
				+ topic.topic + "'";
		long size = Wire.size(body);
		if (size > this.wire.maxEventSize()) {
			throw Commands.rejected(topic.topic, what.get() + ": it is " + size + " bytes, more than max-event-size "
					+ this.wire.maxEventSize() + " bytes", null);
		}
		if (this.connection.isClosed()) {
			throw Commands.rejected(topic.topic, what.get() + ": the Redis event transport is closed", null);
		}
		long timeout = this.timeoutNanos / 1_000_000;
		long deadline = System.nanoTime() + this.timeoutNanos;
		RedisFuture<String> added;
		try {
			added = this.connection.await(deadline).async().xadd(topic.key, body);
		}
		catch (TimeoutException ex) {
			throw Commands.rejected(topic.topic,
					what.get() + ": no connection to Redis within the publish timeout of " + timeout + " ms", ex);
		}
		catch (RuntimeException ex) {
			throw Commands.rejected(topic.topic, what.get() + ": could not connect to Redis: " + ex.getMessage(), ex);
		}
		try {
			Commands.await(added, deadline - System.nanoTime(), "XADD");
		}
		catch (RedisCommandTimeoutException ex) {
			throw Commands.rejected(topic.topic,
					what.get() + ": Redis did not acknowledge the XADD to stream '" + topic.key
							+ "' within the publish timeout of " + timeout + " ms (if Redis got it, it may still be"
							+ " in the stream)",
					ex);
		}
		catch (RedisException ex) {
			throw Commands.rejected(topic.topic,
					what.get() + ": Redis refused or lost the XADD to stream '" + topic.key + "': " + ex.getMessage(),
					ex);
		}
		topic.published.increment();
	}

}
