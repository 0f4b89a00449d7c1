package dev.sluice.redis.eventbus;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The allow-list of event types that travel between instances: each class under a logical
 * name, which is what goes on the wire (never the class name, never Java serialisation),
 * so that a class can be renamed or moved without breaking the instances that still run
 * the old code.
 *
 * <pre>{@code
 * EventTypes types = EventTypes.builder()
 *         .register("order-placed", OrderPlaced.class)
 *         .register("order-cancelled", OrderCancelled.class)
 *         .build();
 * }</pre>
 *
 * <p>
 * A type is matched by its exact class: a subclass of a registered class is not
 * registered. Names must not be blank, and neither a name nor a class may be registered
 * twice. Immutable and thread-safe.
 */
public final class EventTypes {

	private final Map<String, Class<?>> byName;

	private final Map<Class<?>, String> byType;

	private EventTypes(Map<String, Class<?>> byName, Map<Class<?>, String> byType) {
		this.byName = Collections.unmodifiableMap(byName);
		this.byType = Collections.unmodifiableMap(byType);
	}

	/** A builder that registers the types one by one, in order. */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * The types of the map, name to class.
	 * @throws IllegalArgumentException if a name is blank or a class is registered under
	 * two names
	 */
	public static EventTypes of(Map<String, Class<?>> types) {
		Objects.requireNonNull(types, "types");
		Builder builder = builder();
		types.forEach(builder::register);
		return builder.build();
	}

	/** The class registered under the name, if any. */
	public Optional<Class<?>> type(String name) {
		return Optional.ofNullable(this.byName.get(name));
	}

	/** The name the class is registered under, if it is. */
	public Optional<String> name(Class<?> type) {
		return Optional.ofNullable(this.byType.get(type));
	}

	/** The registered names, in the order they were registered. */
	public Set<String> names() {
		return this.byName.keySet();
	}

	/** Name to class, in the order they were registered; unmodifiable. */
	public Map<String, Class<?>> asMap() {
		return this.byName;
	}

	/**
	 * The name of the event's class, for publishing.
	 * @throws IllegalArgumentException if its class is not registered
	 */
	String nameOf(Object event) {
		String name = this.byType.get(event.getClass());
		if (name == null) {
			throw new IllegalArgumentException("Event class " + event.getClass().getName()
					+ " is not registered as an event type, so it cannot be published between instances;"
					+ " register it in the EventTypes of the Redis event transport. Registered: " + describe());
		}
		return name;
	}

	/**
	 * The registered types for messages, such as
	 * {@code [order-placed=com.example.OrderPlaced]}.
	 */
	String describe() {
		StringBuilder text = new StringBuilder("[");
		this.byName.forEach((name, type) -> {
			if (text.length() > 1) {
				text.append(", ");
			}
			text.append(name).append('=').append(type.getName());
		});
		return text.append(']').toString();
	}

	@Override
	public String toString() {
		return "EventTypes" + describe();
	}

	/**
	 * Collects name and class pairs; {@link #build()} may be called more than once. Not
	 * thread-safe.
	 */
	public static final class Builder {

		private final Map<String, Class<?>> byName = new LinkedHashMap<>();

		private final Map<Class<?>, String> byType = new LinkedHashMap<>();

		private Builder() {
		}

		/**
		 * Registers the class under the name.
		 * @throws IllegalArgumentException if the name is blank, or the name or the class
		 * is already registered
		 */
		public Builder register(String name, Class<?> type) {
			if (name == null || name.isBlank()) {
				throw new IllegalArgumentException(
						"Event type name must not be blank" + ((type != null) ? " (for " + type.getName() + ")" : ""));
			}
			if (type == null) {
				throw new IllegalArgumentException("Event type '" + name + "' must name a class, was null");
			}
			if (!name.equals(name.strip())) {
				throw new IllegalArgumentException(
						"Event type name '" + name + "' must not start or end with whitespace");
			}
			Class<?> existing = this.byName.get(name);
			if (existing != null) {
				throw new IllegalArgumentException("Event type name '" + name + "' is registered twice: for "
						+ existing.getName() + " and for " + type.getName());
			}
			String existingName = this.byType.get(type);
			if (existingName != null) {
				throw new IllegalArgumentException("Event class " + type.getName() + " is registered twice: as '"
						+ existingName + "' and as '" + name + "'");
			}
			this.byName.put(name, type);
			this.byType.put(type, name);
			return this;
		}

		/** The registry of what was registered so far. */
		public EventTypes build() {
			return new EventTypes(new LinkedHashMap<>(this.byName), new LinkedHashMap<>(this.byType));
		}

	}

}
