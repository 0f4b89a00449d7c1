package dev.sluice.redis.eventbus;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.sluice.eventbus.EventRejectedException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;
import org.jspecify.annotations.Nullable;

/**
 * What every part of the transport needs around Lettuce: waiting for a command with a
 * bound of our own (so that no thread waits on the client's command timeout, which may be
 * a minute), creating a group, telling Redis errors apart, and reading XINFO replies.
 * Stateless; logging is each transport's own ({@link RateLimitedLog}).
 */
final class Commands {

	private Commands() {
	}

	/**
	 * Waits for the command's answer up to the timeout; a command still unanswered then
	 * is cancelled (Lettuce drops its late answer), so it cannot block the next one.
	 * @return the answer, {@code null} if Lettuce made none of the reply (a nil reply,
	 * say)
	 * @throws RedisCommandTimeoutException if no answer came in time
	 * @throws RedisException (or a subclass) if Redis answered with an error or the
	 * connection failed
	 */
	static <T> @Nullable T await(RedisFuture<T> future, long timeoutNanos, String what) throws InterruptedException {
		try {
			return future.get(Math.max(0, timeoutNanos), TimeUnit.NANOSECONDS);
		}
		catch (TimeoutException ex) {
			future.cancel(true);
			throw new RedisCommandTimeoutException(
					what + " got no answer from Redis within " + Duration.ofNanos(timeoutNanos).toMillis() + " ms");
		}
		catch (InterruptedException ex) {
			future.cancel(true);
			throw ex;
		}
		catch (ExecutionException ex) {
			Throwable cause = ex.getCause();
			if (cause instanceof RedisException redis) {
				throw redis;
			}
			throw new RedisException(what + " failed: " + cause, cause);
		}
		catch (java.util.concurrent.CancellationException ex) {
			throw new RedisException(what + " was cancelled (the connection is closing)", ex);
		}
	}

	/** Creates the group on the stream (and the stream) from the id, unless it exists. */
	static void createGroup(RedisAsyncCommands<String, String> redis, String key, String group, String from,
			long timeoutNanos) throws InterruptedException {
		try {
			await(redis.xgroupCreate(XReadArgs.StreamOffset.from(key, from), group,
					XGroupCreateArgs.Builder.mkstream(true)), timeoutNanos, "XGROUP CREATE");
		}
		catch (RedisException ex) {
			if (!busyGroup(ex)) {
				throw ex;
			}
		}
	}

	/** Whether Redis said the consumer group (or its stream) does not exist. */
	static boolean noGroup(Throwable ex) {
		return errorCode(ex, "NOGROUP");
	}

	/** Whether Redis said the consumer group exists already. */
	static boolean busyGroup(Throwable ex) {
		return errorCode(ex, "BUSYGROUP");
	}

	private static boolean errorCode(Throwable ex, String code) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof RedisCommandExecutionException && cause.getMessage() != null
					&& cause.getMessage().startsWith(code)) {
				return true;
			}
		}
		return false;
	}

	/** The exception a refused publish throws. */
	static RuntimeException rejected(String topic, String message, @Nullable Throwable cause) {
		return new EventRejectedException(topic, List.of(), message, cause);
	}

	/**
	 * The fields of one XINFO GROUPS entry (a flat key, value list, or a map under
	 * RESP3).
	 */
	@SuppressWarnings("unchecked")
	static Map<String, Object> fields(Object entry) {
		if (entry instanceof Map<?, ?> map) {
			Map<String, Object> fields = new HashMap<>();
			map.forEach((key, value) -> fields.put(String.valueOf(key), value));
			return fields;
		}
		Map<String, Object> fields = new HashMap<>();
		if (entry instanceof List<?> list) {
			for (int i = 0; i + 1 < list.size(); i += 2) {
				fields.put(String.valueOf(list.get(i)), list.get(i + 1));
			}
		}
		return fields;
	}

	/**
	 * A number of an XINFO reply, or null when absent (Redis 7 gives no {@code lag} when
	 * unknown).
	 */
	static @Nullable Long number(@Nullable Object value) {
		if (value instanceof Number number) {
			return number.longValue();
		}
		if (value instanceof String text) {
			try {
				return Long.parseLong(text);
			}
			catch (NumberFormatException ex) {
				return null;
			}
		}
		return null;
	}

}
