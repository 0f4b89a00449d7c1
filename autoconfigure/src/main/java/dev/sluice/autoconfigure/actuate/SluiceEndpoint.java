package dev.sluice.autoconfigure.actuate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * {@code /actuator/sluice}: every Sluice component with its configuration and live state,
 * grouped by kind; {@code /actuator/sluice/{kind}} for one kind.
 *
 * <p>
 * Read-only by default. With {@code management.endpoint.sluice.access=unrestricted}, a
 * {@code POST} to {@code /actuator/sluice/{kind}/{name}} changes a component at run time:
 * a JSON body {@code {"permits": 20}} for a semaphore, {@code {"rate": 50}} for a rate
 * limiter.
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
	@Nullable public Map<String, Object> componentsOfKind(@Selector String kind) {
		for (SluiceEndpointContributor contributor : this.contributors) {
			if (contributor.kind().equals(kind)) {
				return contributor.components();
			}
		}
		return null;
	}

	/**
	 * Changes one component at run time; offered only when write access is enabled. An
	 * unknown kind or name, or a value that is not allowed, is a bad request (400) that
	 * says what is wrong.
	 * @return the component as it is now
	 */
	@WriteOperation
	public Object update(@Selector String kind, @Selector String name, @Nullable Integer permits,
			@Nullable Integer rate) {
		Map<String, Object> changes = new LinkedHashMap<>();
		if (permits != null) {
			changes.put("permits", permits);
		}
		if (rate != null) {
			changes.put("rate", rate);
		}
		if (changes.isEmpty()) {
			throw new InvalidEndpointRequestException("Give a setting to change, such as permits or rate",
					"no setting given");
		}
		for (SluiceEndpointContributor contributor : this.contributors) {
			if (contributor.kind().equals(kind)) {
				Object updated;
				try {
					updated = contributor.update(name, changes);
				}
				catch (IllegalArgumentException ex) {
					String message = String.valueOf(ex.getMessage());
					throw new InvalidEndpointRequestException(message, message);
				}
				if (updated == null) {
					String message = "No " + kind + " component named '" + name + "'";
					throw new InvalidEndpointRequestException(message, message);
				}
				return updated;
			}
		}
		String message = "No kind of Sluice component named '" + kind + "'";
		throw new InvalidEndpointRequestException(message, message);
	}

}
