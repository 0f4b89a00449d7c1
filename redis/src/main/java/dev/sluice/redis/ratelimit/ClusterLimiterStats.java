package dev.sluice.redis.ratelimit;

import java.time.Duration;
import java.time.Instant;

import dev.sluice.ratelimit.OutagePolicy;
import org.jspecify.annotations.Nullable;

/**
 * A point-in-time view of one cluster rate limiter's link to Redis.
 *
 * @param name the limiter's name
 * @param onOutage what it does when Redis cannot answer
 * @param reachable whether its last round trip to Redis succeeded (true before the first
 * one)
 * @param roundTrips takes asked of Redis, cumulative, failed ones included; takes that
 * callers make at the same time share one exchange (a read and a compare-and-swap), so
 * Redis sees fewer
 * @param failedRoundTrips round trips that failed or timed out, cumulative
 * @param grantedLocally permits granted by the local limiter while Redis was away
 * (fail-open), cumulative
 * @param outageSince when the current outage began; {@code null} while Redis answers
 * @param lastError the last failure of a round trip, or {@code null} if none has failed
 * @param effective the settings Redis holds for the limiter, read when these stats were
 * made: the newest settings given on any instance, which every instance's takes apply
 * (this instance's own configuration may be older); {@code null} if Redis did not answer
 * within the operation timeout, or is known to be away
 */
public record ClusterLimiterStats(String name, OutagePolicy onOutage, boolean reachable, long roundTrips,
		long failedRoundTrips, long grantedLocally, @Nullable Instant outageSince, @Nullable String lastError,
		@Nullable Settings effective) {

	/**
	 * A cluster limiter's settings as Redis holds them: {@code rate} permits every
	 * {@code per}, up to {@code burst} at once.
	 *
	 * @param rate permits added every {@code per}
	 * @param per the refill period
	 * @param burst the most permits held at once
	 */
	public record Settings(long rate, Duration per, long burst) {
	}

}
