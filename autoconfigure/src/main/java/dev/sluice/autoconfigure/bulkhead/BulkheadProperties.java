package dev.sluice.autoconfigure.bulkhead;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.sluice.autoconfigure.config.KeysSettings;
import dev.sluice.bulkhead.BulkheadConfig;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * Sluice's bulkheads (weighted semaphores): {@code sluice.bulkhead.instances.<name>},
 * each starting from {@code sluice.bulkhead.defaults}.
 */
@ConfigurationProperties("sluice.bulkhead")
public class BulkheadProperties {

	/**
	 * Settings every bulkhead starts from; a bulkhead's own settings override them.
	 */
	private final Bulkhead defaults = new Bulkhead();

	/**
	 * Bulkheads by name: limits on how many calls run at once, each with the settings of
	 * sluice.bulkhead.defaults. Used with @Bulkheaded("name") or from the
	 * BulkheadRegistry.
	 */
	private final Map<String, Bulkhead> instances = new LinkedHashMap<>();

	public Bulkhead getDefaults() {
		return this.defaults;
	}

	public Map<String, Bulkhead> getInstances() {
		return this.instances;
	}

	/** A bulkhead's validated settings. */
	record Configured(BulkheadConfig config, dev.sluice.KeyLimits keys) {
	}

	/** The settings of one bulkhead, and of the defaults. */
	public static class Bulkhead {

		/**
		 * Number of permits: how many calls may hold one at once, at least 1.
		 */
		private int permits = 10;

		/**
		 * Whether waiting callers are served first come, first served. An unfair bulkhead
		 * is faster.
		 */
		private boolean fair;

		/**
		 * How long an acquire may wait for a permit. 0 fails at once when none is free.
		 */
		private Duration acquireTimeout = Duration.ZERO;

		/**
		 * The keys of the bulkhead (forKey, @Bulkheaded(key = ...)): each key has permits
		 * of its own with these settings.
		 */
		@NestedConfigurationProperty
		private final KeysSettings keys = new KeysSettings();

		Configured toConfig() {
			return new Configured(new BulkheadConfig(this.permits, this.fair, this.acquireTimeout),
					this.keys.toLimits());
		}

		public KeysSettings getKeys() {
			return this.keys;
		}

		public int getPermits() {
			return this.permits;
		}

		public void setPermits(int permits) {
			this.permits = permits;
		}

		public boolean isFair() {
			return this.fair;
		}

		public void setFair(boolean fair) {
			this.fair = fair;
		}

		public Duration getAcquireTimeout() {
			return this.acquireTimeout;
		}

		public void setAcquireTimeout(Duration acquireTimeout) {
			this.acquireTimeout = acquireTimeout;
		}

	}

}
