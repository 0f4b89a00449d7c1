package dev.sluice.autoconfigure.bulkhead;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.sluice.autoconfigure.actuate.SluiceEndpointContributor;
import dev.sluice.bulkhead.Bulkhead;
import dev.sluice.bulkhead.BulkheadRegistry;
import dev.sluice.bulkhead.BulkheadStats;

/** Describes every bulkhead for {@code /actuator/sluice}, and changes its permits when allowed. */
class BulkheadEndpointContributor implements SluiceEndpointContributor {

	private final BulkheadRegistry registry;

	BulkheadEndpointContributor(BulkheadRegistry registry) {
		this.registry = registry;
	}

	@Override
	public String kind() {
		return "bulkheads";
	}

	@Override
	public Map<String, Object> components() {
		Map<String, Object> bulkheads = new LinkedHashMap<>();
		for (Bulkhead bulkhead : this.registry.all()) {
			bulkheads.put(bulkhead.name(), describe(bulkhead));
		}
		return bulkheads;
	}

	@Override
	public Map<String, Object> update(String name, Map<String, Object> changes) {
		Bulkhead bulkhead = this.registry.find(name).orElse(null);
		if (bulkhead == null) {
			return null;
		}
		SluiceEndpointContributor.onlyKnownChanges(changes, "permits");
		Object permits = changes.get("permits");
		if (permits != null) {
			bulkhead.setPermits(((Number) permits).intValue());
		}
		return describe(bulkhead);
	}

	private static Map<String, Object> describe(Bulkhead bulkhead) {
		Map<String, Object> config = new LinkedHashMap<>();
		config.put("permits", bulkhead.permits());
		config.put("fair", bulkhead.config().fair());
		config.put("acquireTimeout", bulkhead.config().acquireTimeout().toString());
		BulkheadStats stats = bulkhead.stats();
		Map<String, Object> state = new LinkedHashMap<>();
		state.put("available", stats.available());
		state.put("inUse", stats.inUse());
		state.put("waiting", stats.waiting());
		state.put("waited", stats.waited());
		state.put("waitTime", stats.waitTime().toString());
		state.put("rejected", stats.rejected());
		state.put("shutdown", stats.shutdown());
		Map<String, Object> entry = new LinkedHashMap<>();
		entry.put("config", config);
		entry.put("state", state);
		return entry;
	}
}
