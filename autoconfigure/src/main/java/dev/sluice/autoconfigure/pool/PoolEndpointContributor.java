package dev.sluice.autoconfigure.pool;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.sluice.autoconfigure.actuate.ComponentView;
import dev.sluice.autoconfigure.actuate.SluiceEndpointContributor;
import dev.sluice.pool.WorkerPool;
import dev.sluice.pool.WorkerPoolRegistry;

/**
 * Shows every pool of the registry in {@code /actuator/sluice}: its settings and live
 * state.
 */
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
			pools.put(pool.name(), new ComponentView(pool.config(), pool.stats()));
		}
		return pools;
	}

}
