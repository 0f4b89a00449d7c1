package dev.sluice.autoconfigure.ratelimit;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.sluice.InvalidSettingException;
import dev.sluice.KeyLimits;
import dev.sluice.autoconfigure.config.KeysSettings;
import dev.sluice.ratelimit.OutagePolicy;
import dev.sluice.ratelimit.RateLimitConfig;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * Sluice's rate limiters: {@code sluice.rate-limiter.instances.<name>}, each starting
 * from {@code sluice.rate-limiter.defaults}.
 */
@ConfigurationProperties("sluice.rate-limiter")
public class RateLimiterProperties {

	/**
	 * Settings every rate limiter starts from; a limiter's own settings override them.
	 */
	private final Limiter defaults = new Limiter();

	/**
	 * Token-bucket rate limiters by name, each with the settings of
	 * sluice.rate-limiter.defaults and a rate of its own (or of the defaults). Used
	 * with @RateLimited("name") or from the RateLimiterRegistry.
	 */
	private final Map<String, Limiter> instances = new LinkedHashMap<>();

	public Limiter getDefaults() {
		return this.defaults;
	}

	public Map<String, Limiter> getInstances() {
		return this.instances;
	}

	/** The settings of one rate limiter, and of the defaults. */
	public static class Limiter {

		/**
		 * Permits granted per period ("per"), at least 1, and at most min(burst, 4) per
		 * nanosecond. Required: here or in the defaults.
		 */
		private @Nullable Integer rate;

		/**
		 * Period that rate is counted over, at most 365 days.
		 */
		private Duration per = Duration.ofSeconds(1);

		/**
		 * Permits that may be taken at once, at least 1. Empty: the rate.
		 */
		private @Nullable Integer burst;

		/**
		 * How long a caller may wait for a permit. 0 fails at once when none is left.
		 */
		private Duration timeout = Duration.ZERO;

		/**
		 * Where the budget lives: local (this instance alone) or cluster (one budget
		 * shared by every instance, in Redis; needs sluice-redis and a Redis connection).
		 */
		private Scope scope = Scope.LOCAL;

		/**
		 * What a cluster limiter does when Redis cannot answer in time: fail-open
		 * (permits from a local limiter with the same settings), fail-closed (refuse at
		 * once) or wait (retry Redis until the caller's timeout, then refuse).
		 */
		private OutagePolicy onOutage = OutagePolicy.FAIL_OPEN;

		/**
		 * The keys of the limiter (forKey, @RateLimited(key = ...)): each key has a
		 * budget of its own with these settings.
		 */
		@NestedConfigurationProperty
		private final KeysSettings keys = new KeysSettings();

		/** Checks the defaults, which may leave the rate to each limiter. */
		Configured checkAsDefaults() {
			if (this.rate != null) {
				return toConfigured();
			}
			Limiter withRate = new Limiter();
			withRate.rate = (this.burst != null) ? this.burst : 1;
			withRate.per = this.per;
			withRate.burst = this.burst;
			withRate.timeout = this.timeout;
			withRate.scope = this.scope;
			withRate.onOutage = this.onOutage;
			withRate.keys.setMax(this.keys.getMax());
			withRate.keys.setIdleTimeout(this.keys.getIdleTimeout());
			return withRate.toConfigured();
		}

		Configured toConfigured() {
			if (this.rate == null) {
				throw new InvalidSettingException("rate", null, "rate must be set: permits per 'per', at least 1");
			}
			if (this.scope == null) {
				throw new InvalidSettingException("scope", null, "scope must be local or cluster");
			}
			if (this.onOutage == null) {
				throw new InvalidSettingException("on-outage", null,
						"on-outage must be fail-open, fail-closed or wait");
			}
			int burst = (this.burst != null) ? this.burst : this.rate;
			return new Configured(new RateLimitConfig(this.rate, this.per, burst, this.timeout), this.scope,
					this.onOutage, this.keys.toLimits());
		}

		public @Nullable Integer getRate() {
			return this.rate;
		}

		public void setRate(@Nullable Integer rate) {
			this.rate = rate;
		}

		public Duration getPer() {
			return this.per;
		}

		public void setPer(Duration per) {
			this.per = per;
		}

		public @Nullable Integer getBurst() {
			return this.burst;
		}

		public void setBurst(@Nullable Integer burst) {
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

		public OutagePolicy getOnOutage() {
			return this.onOutage;
		}

		public void setOnOutage(OutagePolicy onOutage) {
			this.onOutage = onOutage;
		}

		public KeysSettings getKeys() {
			return this.keys;
		}

	}

	/** A limiter's validated settings: its config, and where its budget lives. */
	record Configured(RateLimitConfig config, Scope scope, OutagePolicy onOutage, KeyLimits keys) {
	}

	/** Where a rate limiter's budget lives. */
	public enum Scope {

		/** In this instance: each instance has the whole budget. */
		LOCAL,

		/** In Redis: every instance shares one budget. */
		CLUSTER

	}

}
