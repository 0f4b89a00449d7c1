package dev.sluice.autoconfigure.redis;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import dev.sluice.autoconfigure.actuate.SluiceEndpointContributor;
import dev.sluice.redis.eventbus.RedisEventTransport;
import dev.sluice.redis.eventbus.RedisTopicStats;
import dev.sluice.redis.ratelimit.ClusterLimiterStats;
import dev.sluice.redis.ratelimit.RedisRateLimiters;
import org.jspecify.annotations.Nullable;

/**
 * The Redis side of Sluice in {@code /actuator/sluice}, under {@code redis}:
 * {@code rate-limiters}, each cluster rate limiter's {@link ClusterLimiterStats} by name
 * (round trips and outage state), and {@code event-streams}, each topic's
 * {@link RedisTopicStats} by topic (the stream's length, the instance's counters, and its
 * group members' counters with their groups' pending events and lag). The records are
 * written as JSON as they are. Reading the streams' state takes a round trip per topic,
 * each bounded by {@code sluice.redis.operation-timeout}; a figure Redis did not give in
 * time is {@code null}.
 */
class RedisEndpointContributor implements SluiceEndpointContributor {

	private final @Nullable RedisRateLimiters limiters;

	private final @Nullable RedisEventTransport transport;

	RedisEndpointContributor(@Nullable RedisRateLimiters limiters, @Nullable RedisEventTransport transport) {
		this.limiters = limiters;
		this.transport = transport;
	}

	@Override
	public String kind() {
		return "redis";
	}

	@Override
	public Map<String, Object> components() {
		Map<String, Object> components = new LinkedHashMap<>();
		if (this.limiters != null) {
			components.put("rate-limiters", byName(this.limiters.stats(), ClusterLimiterStats::name));
		}
		if (this.transport != null) {
			components.put("event-streams", byName(this.transport.stats(), RedisTopicStats::topic));
		}
		return components;
	}

	/** The records in their order, by name. */
	private static <T> Map<String, T> byName(List<T> records, Function<T, String> name) {
		Map<String, T> byName = new LinkedHashMap<>();
		records.forEach((record) -> byName.put(name.apply(record), record));
		return byName;
	}

}
