package dev.sluice.autoconfigure.semaphore;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.sluice.autoconfigure.diagnostics.ConfiguredValues;
import dev.sluice.semaphore.BulkheadConfig;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** Configuration of Sluice's semaphores (bulkheads): one map entry per semaphore. */
@ConfigurationProperties("sluice")
public class SemaphoreProperties {

	/**
	 * Semaphores (bulkheads) by name: limits on how many calls run at once. Each takes permits, fair
	 * and acquire-timeout.
	 */
	private final Map<String, Semaphore> semaphores = new LinkedHashMap<>();

	public Map<String, Semaphore> getSemaphores() {
		return this.semaphores;
	}

	/** The validated settings of every semaphore, in configuration order. */
	Map<String, BulkheadConfig> toConfigs() {
		Map<String, BulkheadConfig> configs = new LinkedHashMap<>();
		this.semaphores.forEach((name, semaphore) -> {
			String prefix = "sluice.semaphores." + name + ".";
			Map<String, String> properties = new LinkedHashMap<>();
			Map<String, Object> values = new LinkedHashMap<>();
			properties.put("permits", prefix + "permits");
			values.put("permits", semaphore.getPermits());
			properties.put("acquire-timeout", prefix + "acquire-timeout");
			values.put("acquire-timeout", semaphore.getAcquireTimeout());
			configs.put(name, ConfiguredValues.build(properties, values, () -> new BulkheadConfig(
					semaphore.getPermits(), semaphore.isFair(), semaphore.getAcquireTimeout())));
		});
		return configs;
	}

	/** The settings of one semaphore. */
	public static class Semaphore {

		/**
		 * Number of permits: how many calls may hold one at once. At least 1.
		 */
		private int permits = BulkheadConfig.DEFAULT_PERMITS;

		/**
		 * Whether waiting callers are served first come, first served. An unfair semaphore is faster.
		 */
		private boolean fair;

		/**
		 * How long an acquire may wait for a permit. 0 fails at once when none is free.
		 */
		private Duration acquireTimeout = Duration.ZERO;

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
