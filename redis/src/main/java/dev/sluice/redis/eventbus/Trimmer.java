package dev.sluice.redis.eventbus;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import dev.sluice.redis.connection.BackgroundConnection;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import org.jspecify.annotations.Nullable;

/**
 * Trims a transport's streams toward max-length, every trim interval on a thread of its
 * own when the settings trim, but never past an entry that some consumer group still
 * needs: one delivered to it and not acknowledged (pending), or not yet delivered to it
 * at all. A pass that Redis fails or does not answer is logged (rate-limited) and the
 * next one tries again. Thread-safe.
 *
 * <p>
 * Broadcast readers are not groups: a reader that lags more than max-length entries
 * behind misses what is trimmed (and counts it), unless broadcast is lossless: then a
 * live reader's last id holds the trim as a group's unacknowledged entries do. Readers
 * register their last id with a deadline; each pass renews the deadline of this
 * instance's readers, and drops the readers whose deadline passed (their instance died or
 * froze), so that a dead instance holds a stream for reader-ttl at most.
 */
final class Trimmer {

	/*
	 * Design notes. The whole decision runs as one Lua script, so that no group can move
	 * between reading the groups and trimming. For each group the script finds how many
	 * of the oldest entries the group is done with: those below its smallest pending id
	 * (XPENDING summary), or, with nothing pending, those up to its last-delivered-id
	 * (XINFO GROUPS). The stream loses the oldest min(excess, done by every group)
	 * entries, as an exact MAXLEN trim, so no stream id arithmetic is needed. A stream
	 * without groups is trimmed to max-length plainly. The registered broadcast readers'
	 * last ids limit it the same way, whatever this instance's own setting: registering
	 * is the reader's choice (lossless broadcast on its instance), and every trimmer
	 * honours it. Their liveness is scored in Redis's own time (TIME), so the instances'
	 * clocks do not matter. One pass removes at most MAX_PER_PASS entries, so that it
	 * never blocks Redis long; the trimmer runs passes until the stream is down to
	 * max-length or held.
	 */

	static final int MAX_PER_PASS = 10_000;

	private static final int MAX_PASSES = 10;

	private static final String SCRIPT = """
			local key = KEYS[1]
			local maxlen = tonumber(ARGV[1])
			local cap = tonumber(ARGV[2])
			local readers = {}
			if ARGV[4] ~= '' or redis.call('EXISTS', KEYS[2]) == 1 then
			  local t = redis.call('TIME')
			  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
			  if ARGV[4] ~= '' then redis.call('ZADD', KEYS[3], 'XX', now + tonumber(ARGV[3]), ARGV[4]) end
			  for _, r in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. now)) do
			    redis.call('ZREM', KEYS[3], r)
			    redis.call('HDEL', KEYS[2], r)
			  end
			  local positions = redis.call('HGETALL', KEYS[2])
			  for i = 1, #positions, 2 do
			    if redis.call('ZSCORE', KEYS[3], positions[i]) then
			      readers[#readers + 1] = {positions[i], positions[i + 1]}
			    else
			      redis.call('HDEL', KEYS[2], positions[i])
			    end
			  end
			end
			if redis.call('EXISTS', key) == 0 then return {0, 0, 0, ''} end
			local len = redis.call('XLEN', key)
			local excess = len - maxlen
			if excess <= 0 then return {len, 0, 0, ''} end
			local want = excess
			if want > cap then want = cap end
			local removable = want
			local holder = ''
			local groups = redis.call('XINFO', 'GROUPS', key)
			for _, g in ipairs(groups) do
			  local info = {}
			  for i = 1, #g, 2 do info[g[i]] = g[i + 1] end
			  local last
			  if info['pending'] > 0 then
			    last = '(' .. redis.call('XPENDING', key, info['name'])[2]
			  else
			    last = info['last-delivered-id']
			  end
			  local done = #redis.call('XRANGE', key, '-', last, 'COUNT', removable)
			  if done < removable then
			    removable = done
			    holder = "group '" .. info['name'] .. "'"
			  end
			  if removable == 0 then break end
			end
			for _, r in ipairs(readers) do
			  if removable == 0 then break end
			  local done = #redis.call('XRANGE', key, '-', r[2], 'COUNT', removable)
			  if done < removable then
			    removable = done
			    holder = "the broadcast reader of instance '" .. r[1] .. "'"
			  end
			end
			if removable > 0 then redis.call('XTRIM', key, 'MAXLEN', len - removable) end
			local held = 0
			if removable < want then held = excess - removable end
			return {len, removable, held, holder}
			""";

	private final BackgroundConnection<StatefulRedisConnection<String, String>> connection;

	private final Supplier<Collection<TopicState>> topics;

	private final long maxLength;

	private final String readerTtlMillis;

	private final String instanceId;

	private final long timeoutNanos;

	private final RateLimitedLog log;

	/** Runs the passes every trim interval; null when the settings do not trim. */
	private final @Nullable ScheduledExecutorService scheduler;

	private Trimmer(BackgroundConnection<StatefulRedisConnection<String, String>> connection,
			Supplier<Collection<TopicState>> topics, RedisStreamSettings settings, RateLimitedLog log) {
		this.connection = connection;
		this.topics = topics;
		this.maxLength = settings.maxLength();
		this.readerTtlMillis = Long.toString(settings.readerTtl().toMillis());
		this.instanceId = Objects.requireNonNull(settings.instanceId());
		this.timeoutNanos = settings.workerTimeoutNanos();
		this.log = log;
		this.scheduler = settings.trims() ? Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "sluice-redis-" + settings.instanceId() + "-trimmer");
			thread.setDaemon(true);
			return thread;
		}) : null;
	}

	/**
	 * The trimmer of a transport's streams (those {@code topics} gives at each pass),
	 * trimming every trim interval from now on if the settings trim; the settings'
	 * instance id names its thread.
	 */
	static Trimmer start(BackgroundConnection<StatefulRedisConnection<String, String>> connection,
			Supplier<Collection<TopicState>> topics, RedisStreamSettings settings, RateLimitedLog log) {
		Trimmer trimmer = new Trimmer(connection, topics, settings, log);
		if (trimmer.scheduler != null) {
			long every = settings.trimInterval().toNanos();
			trimmer.scheduler.scheduleWithFixedDelay(trimmer::trimAll, every, every, TimeUnit.NANOSECONDS);
		}
		return trimmer;
	}

	/**
	 * Runs a pass over every stream now; returns the entries held above max-length per
	 * topic.
	 */
	Map<String, Long> trimNow() throws InterruptedException {
		Map<String, Long> held = new HashMap<>();
		for (TopicState topic : this.topics.get()) {
			try {
				long deadline = System.nanoTime() + this.timeoutNanos;
				RedisAsyncCommands<String, String> redis = this.connection.await(deadline).async();
				held.put(topic.topic, trim(redis, topic, deadline - System.nanoTime()));
			}
			catch (TimeoutException | RuntimeException ex) {
				this.log.warn("trim:" + topic.key, "Could not trim stream '" + topic.key + "': " + ex, null);
			}
		}
		return held;
	}

	/** Stops trimming; a pass under way is interrupted. */
	void close() {
		if (this.scheduler != null) {
			this.scheduler.shutdownNow();
		}
	}

	private void trimAll() {
		if (this.connection.isClosed()) {
			return;
		}
		try {
			trimNow();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (Throwable ex) {
			// the scheduler would cancel the task for good on an exception
			this.log.warn("trim", "The trimmer failed and goes on: " + ex, ex);
		}
	}

	/**
	 * Trims the topic's stream; returns the entries held above max-length (0 if none).
	 */
	private long trim(RedisAsyncCommands<String, String> redis, TopicState topic, long timeoutNanos)
			throws InterruptedException {
		long deadline = System.nanoTime() + timeoutNanos;
		for (int pass = 0; pass < MAX_PASSES; pass++) {
			// the script answers three numbers and a name: anything else is its bug, and
			// fails the pass
			List<Object> result = Objects
				.requireNonNull(Commands.await(redis.<List<Object>>eval(SCRIPT, ScriptOutputType.MULTI,
						new String[] { topic.key, topic.readersKey, topic.aliveKey }, Long.toString(this.maxLength),
						Integer.toString(MAX_PER_PASS), this.readerTtlMillis, topic.registered ? this.instanceId : ""),
						deadline - System.nanoTime(), "Trim of stream '" + topic.key + "'"));
			long length = Objects.requireNonNull(Commands.number(result.get(0)));
			long removed = Objects.requireNonNull(Commands.number(result.get(1)));
			long held = Objects.requireNonNull(Commands.number(result.get(2)));
			topic.trimmed.add(removed);
			if (held > 0) {
				topic.trimHeld.increment();
				this.log.warn("trim-held:" + topic.key, "Stream '" + topic.key + "' holds " + (length - removed)
						+ " entries, " + held + " above max-length " + this.maxLength + ": " + result.get(3)
						+ " has not yet read or acknowledged the entries beyond it, so they are kept. A group with a"
						+ " member that is stopped, slow, or failing holds the stream this way, and so does a live"
						+ " broadcast reader that is behind under lossless broadcast", null);
				return held;
			}
			if (removed < MAX_PER_PASS) {
				return 0;
			}
		}
		return 0;
	}

}
