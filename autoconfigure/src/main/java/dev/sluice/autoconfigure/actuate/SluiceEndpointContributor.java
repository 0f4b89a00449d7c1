package dev.sluice.autoconfigure.actuate;

import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * One kind of Sluice component (pools, bulkheads, ...) as it appears in
 * {@code /actuator/sluice}. Each pattern's auto-configuration defines one as a bean; the
 * endpoint gathers them all. Implementations must be thread-safe and quick: the endpoint
 * may call them at any time. One that asks a remote store (Redis) bounds each round trip
 * by a timeout.
 */
public interface SluiceEndpointContributor {

	/** Key of this kind of component in the endpoint's answer, such as {@code pools}. */
	String kind();

	/**
	 * Each component of this kind by name, with its configuration and live state: the
	 * component's own records (a {@link ComponentView} of them, say), written as JSON as
	 * they are.
	 */
	Map<String, Object> components();

	/**
	 * Changes a component at run time, which the endpoint only offers when the user
	 * enables write access to it. The default supports no change.
	 * @param name the component
	 * @param changes the settings to change, by name; never empty
	 * @return the component as it is now, or {@code null} if there is no component of
	 * that name
	 * @throws IllegalArgumentException if a change is unknown or its value is not allowed
	 */
	default @Nullable Object update(String name, Map<String, Object> changes) {
		throw new IllegalArgumentException("Sluice " + kind() + " cannot be changed at run time");
	}

	/**
	 * The value of a change that must be a whole number.
	 * @throws IllegalArgumentException if it is missing or not a number
	 */
	static int intChange(Map<String, Object> changes, String setting) {
		if (!(changes.get(setting) instanceof Number number)) {
			throw new IllegalArgumentException("Give " + setting + " as a whole number");
		}
		return number.intValue();
	}

	/**
	 * Refuses changes other than the given ones.
	 * @throws IllegalArgumentException naming the unknown change and those allowed
	 */
	static void onlyKnownChanges(Map<String, Object> changes, String... allowed) {
		for (String change : changes.keySet()) {
			if (!Set.of(allowed).contains(change)) {
				throw new IllegalArgumentException(
						"'" + change + "' cannot be changed at run time; allowed: " + String.join(", ", allowed));
			}
		}
	}

}
