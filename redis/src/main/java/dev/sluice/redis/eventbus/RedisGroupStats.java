package dev.sluice.redis.eventbus;

import org.jspecify.annotations.Nullable;

/**
 * One member of a consumer group in this instance: its counters, and the group's figures
 * read from Redis (shared by all the group's members, on every instance).
 *
 * @param topic the topic
 * @param group the group
 * @param member the member's name on the topic ({@code SubscriberOptions.name()})
 * @param consumer its consumer name in Redis: {@code instanceId/member}
 * @param offered entries the member read or claimed, a redelivery counting again; each is
 * settled as exactly one of the next counters but {@code reclaimed}, or is in flight:
 * {@code offered == delivered + failed + deadLettered + left + skipped + inFlight}
 * @param delivered events the handler took without throwing (then acknowledged)
 * @param failed events the handler threw on, or that could not be decoded here (an
 * {@link Error} from the event class, say): left pending, retried after claim-idle
 * @param reclaimed entries it took over after they were pending idle for claim-idle (its
 * own failed ones included); also counted in {@code offered}
 * @param deadLettered entries it dead-lettered: malformed, of a type other than the
 * member's ({@code type-mismatch}: the group has members of another type elsewhere), or
 * delivered max-deliveries times
 * @param left events it had read but left pending, unhandled, when it was closed or
 * abandoned
 * @param skipped claimed entries found acknowledged already (by the member they were
 * taken from)
 * @param inFlight events read and not yet settled
 * @param pending the group's entries delivered and not acknowledged, on all instances;
 * {@code null} if Redis did not answer in time
 * @param lag the group's entries not yet delivered to any member; {@code null} if unknown
 */
public record RedisGroupStats(String topic, String group, String member, String consumer, long offered, long delivered,
		long failed, long reclaimed, long deadLettered, long left, long skipped, long inFlight, @Nullable Long pending,
		@Nullable Long lag) {
}
