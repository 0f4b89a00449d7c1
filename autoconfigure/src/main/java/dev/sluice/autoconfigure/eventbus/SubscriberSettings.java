package dev.sluice.autoconfigure.eventbus;

import java.util.Map;
import java.util.Set;

import dev.sluice.autoconfigure.config.LayeredSettings;
import dev.sluice.autoconfigure.config.NamedComponents;
import dev.sluice.eventbus.BufferOverflow;
import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.SubscriberOptions;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * A subscriber's options as configured: {@code sluice.event-bus.subscriber.defaults},
 * then its topic's settings, then its {@code @EventSubscriber} annotation, then its own
 * settings.
 */
final class SubscriberSettings {

	static final String PREFIX = "sluice.event-bus.subscriber";

	private final Binder binder;

	SubscriberSettings(Binder binder) {
		this.binder = binder;
	}

	/**
	 * The options of a subscriber; the annotation's values are {@code null} where it sets
	 * none.
	 * @throws InvalidConfigurationPropertyValueException naming the property of a refused
	 * value
	 */
	SubscriberOptions options(String topic, String name, @Nullable Integer buffer, @Nullable BufferOverflow overflow,
			@Nullable String group) {
		String annotation = "@EventSubscriber of subscriber '" + name + "'";
		return LayeredSettings.of(this.binder, EventBusProperties.Subscriber::new)
			.layer(PREFIX + ".defaults")
			.layer(topic(topic))
			.apply("buffer", buffer, annotation, EventBusProperties.Subscriber::setBuffer)
			.apply("overflow", overflow, annotation, EventBusProperties.Subscriber::setOverflow)
			.apply("group", group, annotation, EventBusProperties.Subscriber::setGroup)
			.layer(NamedComponents.instance(PREFIX, name))
			.build((settings) -> settings.toOptions(name));
	}

	/**
	 * Checks every configured setting at start-up, before any subscriber uses it: the
	 * dispatchers, the defaults, each topic's and each subscriber's settings, and that no
	 * group is set but per subscriber.
	 */
	void validate(@Nullable Integer dispatchers) {
		if (dispatchers != null && (dispatchers < 1 || dispatchers > EventBus.MAX_DISPATCHERS)) {
			throw new InvalidConfigurationPropertyValueException("sluice.event-bus.dispatchers", dispatchers,
					"dispatchers must be between 1 and " + EventBus.MAX_DISPATCHERS);
		}
		groupOnlyPerSubscriber(PREFIX + ".defaults",
				LayeredSettings.of(this.binder, EventBusProperties.Subscriber::new).layer(PREFIX + ".defaults"));
		for (String topic : this.binder
			.bind(PREFIX + ".topics", Bindable.mapOf(String.class, EventBusProperties.Subscriber.class))
			.map(Map::keySet)
			.orElse(Set.of())) {
			groupOnlyPerSubscriber(topic(topic),
					LayeredSettings.of(this.binder, EventBusProperties.Subscriber::new).layer(topic(topic)));
		}
		NamedComponents.configs(this.binder, PREFIX, EventBusProperties.Subscriber.class,
				EventBusProperties.Subscriber::new, (settings) -> settings.toOptions("(validation)"));
	}

	private static void groupOnlyPerSubscriber(String block, LayeredSettings<EventBusProperties.Subscriber> settings) {
		settings.build((subscriber) -> subscriber.toOptions("(validation)"));
		String group = settings.settings().getGroup();
		if (group != null) {
			throw new InvalidConfigurationPropertyValueException(block + ".group", group,
					"group is set per subscriber: " + PREFIX + ".instances.<name>.group or @EventSubscriber(group)");
		}
	}

	private static String topic(String topic) {
		return NamedComponents.entry(PREFIX + ".topics", topic);
	}

}
