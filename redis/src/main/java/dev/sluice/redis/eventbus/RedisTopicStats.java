package dev.sluice.redis.eventbus;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * One topic that goes through Redis, as this instance sees it: its counters since the
 * transport started, and the stream's length read from Redis.
 *
 * @param topic the topic
 * @param streamKey the stream that carries it
 * @param length entries in the stream now, or {@code null} if Redis did not answer in
 * time
 * @param published events this instance put in the stream
 * @param received events this instance's broadcast reader handed to its plain subscribers
 * @param missed events this instance's broadcast reader never read because they were
 * trimmed from the stream before it got to them (it lagged more than max-length entries
 * behind): its plain subscribers never saw them; counted when the reader reads again
 * after the gap (needs Redis 7 or later, which counts the entries a stream was given)
 * @param malformed entries this instance read that were not an event of a registered type
 * (bad JSON, unknown type, missing fields), by its reader and its group members; each was
 * dead-lettered
 * @param deadLettered dead letters this instance wrote for the topic: the malformed
 * entries, and the events its group members gave up on after max-deliveries
 * @param trimHeld trim passes that left the stream above max-length because a group had
 * not yet been delivered, or not acknowledged, the entries beyond it
 * @param trimmed entries this instance trimmed from the stream
 * @param members this instance's members of groups on the topic
 */
public record RedisTopicStats(String topic, String streamKey, @Nullable Long length, long published, long received,
		long missed, long malformed, long deadLettered, long trimHeld, long trimmed, List<RedisGroupStats> members) {

	public RedisTopicStats {
		members = List.copyOf(members);
	}
}
