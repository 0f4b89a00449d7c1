package dev.sluice.lifecycle;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The named components of one kind in an application, in the order they were configured.
 * Immutable once built, so it is safe to share between threads.
 *
 * @param <T> the kind of component
 */
public abstract class ComponentRegistry<T extends Drainable> {

	private final String kind;

	private final Map<String, T> components;

	/**
	 * A registry of the given components, whose names must be distinct.
	 * @param kind what the components are, for messages, such as "worker pool"
	 */
	protected ComponentRegistry(String kind, Collection<? extends T> components) {
		this.kind = kind;
		Map<String, T> byName = new LinkedHashMap<>();
		for (T component : components) {
			if (byName.putIfAbsent(component.name(), component) != null) {
				throw new IllegalArgumentException("Two " + kind + "s are named '" + component.name() + "'");
			}
		}
		this.components = Collections.unmodifiableMap(byName);
	}

	/**
	 * The component with the given name.
	 * @throws IllegalArgumentException naming the components that exist, if none has that
	 * name
	 */
	public T get(String name) {
		T component = this.components.get(name);
		if (component == null) {
			throw new IllegalArgumentException(
					"No " + this.kind + " named '" + name + "'; configured: " + this.components.keySet());
		}
		return component;
	}

	/** The component with the given name, if there is one. */
	public Optional<T> find(String name) {
		return Optional.ofNullable(this.components.get(name));
	}

	/** What the components are, for messages, such as "worker pool". */
	public String kind() {
		return this.kind;
	}

	/** The names of all components, in configuration order. */
	public Set<String> names() {
		return this.components.keySet();
	}

	/** All components, in configuration order. */
	public Collection<T> all() {
		return this.components.values();
	}

}
