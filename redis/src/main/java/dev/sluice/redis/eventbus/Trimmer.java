package dev.sluice.redis.eventbus;

import java.util.List;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;

/**
 * Trims a stream toward max-length, but never past an entry that some consumer group still needs:
 * one delivered to it and not acknowledged (pending), or not yet delivered to it at all.
 *
 * <p>Design notes. The whole decision runs as one Lua script, so that no group can move between
 * reading the groups and trimming. For each group the script finds how many of the oldest entries
 * the group is done with: those below its smallest pending id (XPENDING summary), or, with nothing
 * pending, those up to its last-delivered-id (XINFO GROUPS). The stream loses the oldest
 * {@code min(excess, done by every group)} entries, as an exact MAXLEN trim, so no stream id
 * arithmetic is needed. A stream without groups is trimmed to max-length plainly. One pass removes at
 * most {@value #MAX_PER_PASS} entries, so that it never blocks Redis long; the trimmer runs passes
 * until the stream is down to max-length or held. Broadcast readers are not groups: a reader that
 * lags more than max-length entries behind misses what is trimmed.
 */
final class Trimmer {

	static final int MAX_PER_PASS = 10_000;

	private static final int MAX_PASSES = 10;

	private static final String SCRIPT = """
			local key = KEYS[1]
			local maxlen = tonumber(ARGV[1])
			local cap = tonumber(ARGV[2])
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
			    holder = info['name']
			  end
			  if removable == 0 then break end
			end
			if removable > 0 then redis.call('XTRIM', key, 'MAXLEN', len - removable) end
			local held = 0
			if removable < want then held = excess - removable end
			return {len, removable, held, holder}
			""";

	private Trimmer() {
	}

	/** Trims the topic's stream; returns the entries held above max-length (0 if none). */
	static long trim(RedisAsyncCommands<String, String> redis, TopicState topic, long maxLength, long timeoutNanos)
			throws InterruptedException {
		long deadline = System.nanoTime() + timeoutNanos;
		for (int pass = 0; pass < MAX_PASSES; pass++) {
			List<Object> result = Commands.await(
					redis.<List<Object>>eval(SCRIPT, ScriptOutputType.MULTI, new String[] { topic.key },
							Long.toString(maxLength), Integer.toString(MAX_PER_PASS)),
					deadline - System.nanoTime(), "Trim of stream '" + topic.key + "'");
			long length = Commands.number(result.get(0));
			long removed = Commands.number(result.get(1));
			long held = Commands.number(result.get(2));
			topic.trimmed.add(removed);
			if (held > 0) {
				topic.trimHeld.increment();
				Commands.warn("trim-held:" + topic.key, "Stream '" + topic.key + "' holds " + (length - removed)
						+ " entries, " + held + " above max-length " + maxLength + ": group '" + result.get(3)
						+ "' has not acknowledged, or not yet been delivered, the entries beyond it, so they are kept."
						+ " A group with a member that is stopped, slow, or failing holds the stream this way", null);
				return held;
			}
			if (removed < MAX_PER_PASS) {
				return 0;
			}
		}
		return 0;
	}
}
