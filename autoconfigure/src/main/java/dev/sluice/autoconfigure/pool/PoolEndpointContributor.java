package dev.sluice.autoconfigure.pool;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.sluice.autoconfigure.actuate.SluiceEndpointContributor;
import dev.sluice.pool.PoolConfig;
import dev.sluice.pool.PoolStats;
import dev.sluice.pool.WorkerPool;
import dev.sluice.pool.WorkerPoolRegistry;

/** Describes every pool of the registry for {@code /actuator/sluice}: its settings and live state. */
class PoolEndpointContributor implements SluiceEndpointContributor {

	private final WorkerPoolRegistry registry;

	PoolEndpointContributor(WorkerPoolRegistry registry) {
		this.registry = registry;
	}

	@Override
	public String kind() {
		return "pools";
	}

	@Override
	public Map<String, Object> components() {
		Map<String, Object> pools = new LinkedHashMap<>();
		for (WorkerPool pool : this.registry.all()) {
			Map<String, Object> entry = new LinkedHashMap<>();
			entry.put("config", describe(pool.config()));
			entry.put("state", describe(pool.stats()));
			pools.put(pool.name(), entry);
		}
		return pools;
	}

	private static Map<String, Object> describe(PoolConfig config) {
		Map<String, Object> map = new LinkedHashMap<>();
		map.put("workers", config.workers());
		map.put("queueCapacity", config.queueCapacity());
		map.put("overflow", config.overflow().configName());
		map.put("submitTimeout", config.submitTimeout().toString());
		map.put("threads", config.threads().configName());
		return map;
	}

	private static Map<String, Object> describe(PoolStats stats) {
		Map<String, Object> map = new LinkedHashMap<>();
		map.put("state", stats.state().name());
		map.put("virtualThreads", stats.virtualThreads());
		map.put("poolSize", stats.poolSize());
		map.put("active", stats.active());
		map.put("queued", stats.queued());
		map.put("queueRemaining", stats.queueRemaining());
		map.put("completed", stats.completed());
		map.put("rejected", stats.rejected());
		map.put("callerRuns", stats.callerRuns());
		map.put("abandoned", stats.abandoned());
		map.put("taskTime", stats.taskTime().toString());
		return map;
	}
}
