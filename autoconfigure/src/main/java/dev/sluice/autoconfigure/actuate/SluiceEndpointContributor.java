package dev.sluice.autoconfigure.actuate;

import java.util.Map;

/**
 * One kind of Sluice component (pools, semaphores, ...) as it appears in {@code /actuator/sluice}.
 * Each pattern's auto-configuration defines one as a bean; the endpoint gathers them all.
 * Implementations must be thread-safe and must not block: the endpoint may call them at any time.
 */
public interface SluiceEndpointContributor {

	/** Key of this kind of component in the endpoint's answer, such as {@code pools}. */
	String kind();

	/** Each component of this kind by name, with its configuration and live state. */
	Map<String, Object> components();
}
