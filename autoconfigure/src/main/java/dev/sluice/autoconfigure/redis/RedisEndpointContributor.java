package dev.sluice.autoconfigure.redis;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.sluice.autoconfigure.actuate.SluiceEndpointContributor;
import dev.sluice.redis.eventbus.RedisEventTransport;
import dev.sluice.redis.ratelimit.RedisRateLimiters;

/**
 * The Redis side of Sluice in {@code /actuator/sluice}, under {@code redis}: each cluster rate
 * limiter's round trips and outage state, and each event stream's length, groups, pending events, lag,
 * reclaims and dead letters. Reading the streams' state takes a few round trips, each bounded by
 * {@code sluice.redis.operation-timeout}.
 */
class RedisEndpointContributor implements SluiceEndpointContributor {

	private final RedisRateLimiters limiters;

	private final RedisEventTransport transport;

	RedisEndpointContributor(RedisRateLimiters limiters, RedisEventTransport transport) {
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
			Map<String, Object> limiters = new LinkedHashMap<>();
			this.limiters.stats().forEach((stats) -> limiters.put(stats.name(), stats));
			components.put("rate-limiters", limiters);
		}
		if (this.transport != null) {
			Map<String, Object> topics = new LinkedHashMap<>();
			this.transport.stats().forEach((stats) -> topics.put(stats.topic(), stats));
			components.put("event-streams", topics);
		}
		return components;
	}
}
