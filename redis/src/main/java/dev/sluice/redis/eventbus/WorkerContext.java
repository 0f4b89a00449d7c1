package dev.sluice.redis.eventbus;

import java.util.function.Supplier;

import io.lettuce.core.api.StatefulRedisConnection;

/**
 * What every reader and member of one transport shares: the settings (whose instance id
 * names their threads and consumers), the wire format, the log, where their connections
 * come from, and the registry that tracks them. Immutable; each part is thread-safe.
 *
 * @param settings the transport's settings, with its instance id (never null)
 * @param wire the wire format
 * @param log the transport's log
 * @param connections opens a new connection, blocking; each worker opens one of its own
 * @param workers the transport's readers and members
 */
record WorkerContext(RedisStreamSettings settings, Wire wire, RateLimitedLog log,
		Supplier<StatefulRedisConnection<String, String>> connections, StreamWorkers workers) {
}
