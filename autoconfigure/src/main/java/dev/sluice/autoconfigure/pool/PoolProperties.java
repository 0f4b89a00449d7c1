package dev.sluice.autoconfigure.pool;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.sluice.autoconfigure.diagnostics.ConfiguredValues;
import dev.sluice.pool.PoolConfig;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Configuration of Sluice's worker pools: one map entry per pool under {@code sluice.pools}, and
 * shared defaults under {@code sluice.pool-defaults}.
 */
@ConfigurationProperties("sluice")
public class PoolProperties {

	/**
	 * Settings that every pool starts from; a pool's own settings override them.
	 */
	private final Pool poolDefaults = Pool.of(PoolConfig.defaults());

	/**
	 * Worker pools by name. Each takes the same settings as sluice.pool-defaults, and is injectable
	 * with @Qualifier("name") and usable with @Async("name").
	 */
	private final Map<String, Pool> pools = new LinkedHashMap<>();

	public Pool getPoolDefaults() {
		return this.poolDefaults;
	}

	public Map<String, Pool> getPools() {
		return this.pools;
	}

	/**
	 * The validated settings of every configured pool, in configuration order.
	 * @throws InvalidConfigurationPropertyValueException naming the first bad property
	 */
	Map<String, PoolConfig> toConfigs() {
		Map<String, PoolConfig> configs = new LinkedHashMap<>();
		this.pools.forEach((name, pool) -> configs.put(name, toConfig(name, pool)));
		return configs;
	}

	private PoolConfig toConfig(String name, Pool pool) {
		Pool own = (pool != null) ? pool : new Pool();
		Map<String, String> properties = new LinkedHashMap<>();
		Map<String, Object> values = new LinkedHashMap<>();
		for (String key : Pool.KEYS) {
			boolean set = own.get(key) != null;
			properties.put(key, set ? "sluice.pools." + name + "." + key : "sluice.pool-defaults." + key);
			values.put(key, set ? own.get(key) : this.poolDefaults.get(key));
		}
		return ConfiguredValues.build(properties, values,
				() -> new PoolConfig((Integer) values.get("workers"), (Integer) values.get("queue-capacity"),
						(PoolConfig.Overflow) values.get("overflow"), (Duration) values.get("submit-timeout"),
						(PoolConfig.Threads) values.get("threads")));
	}

	/** The settings of one pool; a setting left empty is taken from sluice.pool-defaults. */
	public static class Pool {

		private static final String[] KEYS = { "workers", "queue-capacity", "overflow", "submit-timeout", "threads" };

		/**
		 * Number of worker threads, at least 1.
		 */
		private Integer workers;

		/**
		 * Number of tasks that may wait for a worker, 0 or more. With 0 a task is accepted only when a
		 * worker is free to take it.
		 */
		private Integer queueCapacity;

		/**
		 * What a submission does when every worker is busy and the queue is full: block (wait up to
		 * submit-timeout), reject (fail at once), or caller-runs (the submitting thread runs it).
		 */
		private PoolConfig.Overflow overflow;

		/**
		 * How long a submitter waits for queue space when overflow is block.
		 */
		private Duration submitTimeout;

		/**
		 * Kind of worker thread: platform, or virtual (Java 21 or later; platform threads on older JVMs).
		 */
		private PoolConfig.Threads threads;

		static Pool of(PoolConfig config) {
			Pool pool = new Pool();
			pool.workers = config.workers();
			pool.queueCapacity = config.queueCapacity();
			pool.overflow = config.overflow();
			pool.submitTimeout = config.submitTimeout();
			pool.threads = config.threads();
			return pool;
		}

		private Object get(String key) {
			return switch (key) {
				case "workers" -> this.workers;
				case "queue-capacity" -> this.queueCapacity;
				case "overflow" -> this.overflow;
				case "submit-timeout" -> this.submitTimeout;
				case "threads" -> this.threads;
				default -> throw new IllegalArgumentException("Unknown pool setting '" + key + "'");
			};
		}

		public Integer getWorkers() {
			return this.workers;
		}

		public void setWorkers(Integer workers) {
			this.workers = workers;
		}

		public Integer getQueueCapacity() {
			return this.queueCapacity;
		}

		public void setQueueCapacity(Integer queueCapacity) {
			this.queueCapacity = queueCapacity;
		}

		public PoolConfig.Overflow getOverflow() {
			return this.overflow;
		}

		public void setOverflow(PoolConfig.Overflow overflow) {
			this.overflow = overflow;
		}

		public Duration getSubmitTimeout() {
			return this.submitTimeout;
		}

		public void setSubmitTimeout(Duration submitTimeout) {
			this.submitTimeout = submitTimeout;
		}

		public PoolConfig.Threads getThreads() {
			return this.threads;
		}

		public void setThreads(PoolConfig.Threads threads) {
			this.threads = threads;
		}
	}
}
