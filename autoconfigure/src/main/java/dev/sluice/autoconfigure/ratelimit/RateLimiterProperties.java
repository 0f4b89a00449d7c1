package dev.sluice.autoconfigure.ratelimit;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.sluice.autoconfigure.diagnostics.ConfiguredValues;
import dev.sluice.ratelimit.RateLimitConfig;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** Configuration of Sluice's rate limiters: one map entry per limiter. */
@ConfigurationProperties("sluice")
public class RateLimiterProperties {

	/**
	 * Token-bucket rate limiters by name. Each takes rate (required), per, burst and timeout.
	 */
	private final Map<String, Limiter> rateLimiters = new LinkedHashMap<>();

	public Map<String, Limiter> getRateLimiters() {
		return this.rateLimiters;
	}

	/** The validated settings of every limiter, in configuration order. */
	public Map<String, RateLimitConfig> toConfigs() {
		Map<String, RateLimitConfig> configs = new LinkedHashMap<>();
		this.rateLimiters.forEach((name, limiter) -> {
			String prefix = "sluice.rate-limiters." + name + ".";
			Integer burst = (limiter.getBurst() != null) ? limiter.getBurst() : limiter.getRate();
			Map<String, String> properties = new LinkedHashMap<>();
			Map<String, Object> values = new LinkedHashMap<>();
			properties.put("rate", prefix + "rate");
			values.put("rate", limiter.getRate());
			properties.put("per", prefix + "per");
			values.put("per", limiter.getPer());
			properties.put("burst", prefix + "burst");
			values.put("burst", burst);
			properties.put("timeout", prefix + "timeout");
			values.put("timeout", limiter.getTimeout());
			configs.put(name, ConfiguredValues.build(properties, values,
					() -> new RateLimitConfig(limiter.getRate(), limiter.getPer(), burst, limiter.getTimeout())));
		});
		return configs;
	}

	/** The settings of one rate limiter. */
	public static class Limiter {

		/**
		 * Permits granted per period ("per"), at least 1. Required.
		 */
		private Integer rate;

		/**
		 * Period that rate is counted over.
		 */
		private Duration per = Duration.ofSeconds(1);

		/**
		 * Permits that may be taken at once, at least 1. Defaults to rate.
		 */
		private Integer burst;

		/**
		 * How long a caller may wait for a permit. 0 fails at once when none is left.
		 */
		private Duration timeout = Duration.ZERO;

		/**
		 * Where the budget lives: local (this instance alone) or cluster (one budget shared by every
		 * instance, in Redis; needs sluice-redis and a Redis connection).
		 */
		private Scope scope = Scope.LOCAL;

		/**
		 * What a cluster limiter does when Redis cannot answer in time: fail-open (permits from a local
		 * limiter with the same settings), fail-closed (refuse at once) or wait (retry Redis until the
		 * caller's timeout, then refuse).
		 */
		private OnOutage onOutage = OnOutage.FAIL_OPEN;

		public Integer getRate() {
			return this.rate;
		}

		public void setRate(Integer rate) {
			this.rate = rate;
		}

		public Duration getPer() {
			return this.per;
		}

		public void setPer(Duration per) {
			this.per = per;
		}

		public Integer getBurst() {
			return this.burst;
		}

		public void setBurst(Integer burst) {
			this.burst = burst;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

		public Scope getScope() {
			return this.scope;
		}

		public void setScope(Scope scope) {
			this.scope = scope;
		}

		public OnOutage getOnOutage() {
			return this.onOutage;
		}

		public void setOnOutage(OnOutage onOutage) {
			this.onOutage = onOutage;
		}
	}

	/** Where a rate limiter's budget lives. */
	public enum Scope {

		/** In this instance: each instance has the whole budget. */
		LOCAL,

		/** In Redis: every instance shares one budget. */
		CLUSTER
	}

	/** What a cluster rate limiter does when Redis cannot answer in time. */
	public enum OnOutage {

		/** Permits come from a local limiter with the same settings, in each instance. */
		FAIL_OPEN,

		/** Calls are refused at once. */
		FAIL_CLOSED,

		/** Calls retry Redis until their timeout, then are refused. */
		WAIT
	}
}
