package dev.sluice.autoconfigure.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.ratelimit.OutagePolicy;
import dev.sluice.redis.eventbus.RedisEventTransport;
import dev.sluice.redis.ratelimit.ClusterLimiterStats;
import dev.sluice.redis.ratelimit.RedisRateLimiters;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of Sluice's Redis side, as {@code sluiceRedis}: one PING, bounded by
 * {@code sluice.redis.operation-timeout}. DOWN when Redis does not answer and something
 * needs it: the event bus's transport, or a cluster rate limiter that fails closed or
 * waits. When only fail-open limiters use Redis, an outage leaves the application UP,
 * with {@code degraded} naming the limiters that now count locally.
 */
class SluiceRedisHealthIndicator extends AbstractHealthIndicator {

	private final @Nullable RedisRateLimiters limiters;

	private final @Nullable RedisEventTransport transport;

	private final Duration timeout;

	SluiceRedisHealthIndicator(@Nullable RedisRateLimiters limiters, @Nullable RedisEventTransport transport,
			Duration timeout) {
		super("Redis health check failed");
		this.limiters = limiters;
		this.transport = transport;
		this.timeout = timeout;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		boolean reachable = (this.transport != null) ? this.transport.ping(this.timeout)
				: this.limiters != null && this.limiters.ping(this.timeout);
		boolean required = this.transport != null;
		List<String> failingOpen = new ArrayList<>();
		if (this.limiters != null) {
			Map<String, Object> limiters = new LinkedHashMap<>();
			for (ClusterLimiterStats stats : this.limiters.stats()) {
				if (stats.onOutage() != OutagePolicy.FAIL_OPEN) {
					required = true;
				}
				else if (!reachable || !stats.reachable()) {
					failingOpen.add(stats.name());
				}
				Map<String, Object> limiter = new LinkedHashMap<>();
				limiter.put("onOutage", stats.onOutage().name().toLowerCase().replace('_', '-'));
				limiter.put("reachable", stats.reachable());
				if (stats.outageSince() != null) {
					limiter.put("outageSince", stats.outageSince().toString());
				}
				if (stats.lastError() != null) {
					limiter.put("lastError", stats.lastError());
				}
				limiters.put(stats.name(), limiter);
			}
			builder.withDetail("rateLimiters", limiters);
		}
		builder.withDetail("eventTransport", this.transport != null);
		builder.withDetail("reachable", reachable);
		if (reachable) {
			builder.up();
		}
		else if (required) {
			builder.down().withDetail("error", "Redis did not answer PING within " + this.timeout);
		}
		else {
			builder.up()
				.withDetail("degraded", "Redis did not answer PING within " + this.timeout
						+ "; these rate limiters fail open to local limits: " + failingOpen);
		}
	}

}
