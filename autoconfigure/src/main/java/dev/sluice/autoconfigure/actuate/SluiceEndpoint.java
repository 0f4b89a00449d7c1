package dev.sluice.autoconfigure.actuate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.jspecify.annotations.Nullable;

/**
 * {@code /actuator/sluice}: every Sluice component with its configuration and live state, grouped by
 * kind; {@code /actuator/sluice/{kind}} for one kind. Read-only.
 */
@Endpoint(id = "sluice", defaultAccess = Access.READ_ONLY)
public class SluiceEndpoint {

	private final List<SluiceEndpointContributor> contributors;

	public SluiceEndpoint(List<SluiceEndpointContributor> contributors) {
		this.contributors = List.copyOf(contributors);
	}

	/** Every kind of component, each with its components by name. */
	@ReadOperation
	public Map<String, Object> components() {
		Map<String, Object> kinds = new LinkedHashMap<>();
		for (SluiceEndpointContributor contributor : this.contributors) {
			kinds.put(contributor.kind(), contributor.components());
		}
		return kinds;
	}

	/** The components of one kind, or nothing (404) if Sluice has no such kind. */
	@ReadOperation
	@Nullable
	public Map<String, Object> componentsOfKind(@Selector String kind) {
		for (SluiceEndpointContributor contributor : this.contributors) {
			if (contributor.kind().equals(kind)) {
				return contributor.components();
			}
		}
		return null;
	}
}
