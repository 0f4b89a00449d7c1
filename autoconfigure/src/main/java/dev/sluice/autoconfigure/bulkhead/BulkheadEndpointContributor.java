package dev.sluice.autoconfigure.bulkhead;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.sluice.autoconfigure.actuate.ComponentView;
import dev.sluice.autoconfigure.actuate.SluiceEndpointContributor;
import dev.sluice.bulkhead.Bulkhead;
import dev.sluice.bulkhead.BulkheadRegistry;
import org.jspecify.annotations.Nullable;

/**
 * Shows every bulkhead in {@code /actuator/sluice}, and changes its permits when allowed.
 */
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
			bulkheads.put(bulkhead.name(), view(bulkhead));
		}
		return bulkheads;
	}

	@Override
	public @Nullable Object update(String name, Map<String, Object> changes) {
		Bulkhead bulkhead = this.registry.find(name).orElse(null);
		if (bulkhead == null) {
			return null;
		}
		SluiceEndpointContributor.onlyKnownChanges(changes, "permits");
		bulkhead.setPermits(SluiceEndpointContributor.intChange(changes, "permits"));
		return view(bulkhead);
	}

	private static ComponentView view(Bulkhead bulkhead) {
		return new ComponentView(bulkhead.config(), bulkhead.stats());
	}

}
