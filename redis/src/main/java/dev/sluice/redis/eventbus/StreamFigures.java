package dev.sluice.redis.eventbus;

import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Figures of one stream read from Redis at one moment; each is null when it could not be
 * read.
 *
 * @param length entries in the stream (XLEN)
 * @param pending per group: entries delivered to a member and not acknowledged (XPENDING)
 * @param lag per group: entries not yet delivered to the group (XINFO GROUPS {@code lag},
 * Redis 7); a group's is null when Redis does not know it
 * @param readAt when they were read, {@link System#nanoTime()}
 */
record StreamFigures(@Nullable Long length, @Nullable Map<String, @Nullable Long> pending,
		@Nullable Map<String, @Nullable Long> lag, long readAt) {
}
