package dev.sluice.autoconfigure.eventbus;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.sluice.autoconfigure.diagnostics.ConfiguredValues;
import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.Overflow;
import dev.sluice.eventbus.SubscriberOptions;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/** Configuration of Sluice's event bus. */
@ConfigurationProperties("sluice.event-bus")
public class EventBusProperties {

	/**
	 * Number of dispatcher threads that deliver events to every subscriber. Defaults to the number of
	 * processors.
	 */
	private Integer dispatchers;

	/**
	 * What carries events: in-memory (this process only) or redis (Redis Streams, between instances;
	 * needs sluice-redis and a Redis connection).
	 */
	private Transport transport = Transport.IN_MEMORY;

	/**
	 * Settings every subscriber starts from.
	 */
	private final Settings subscriberDefaults = Settings.defaults();

	/**
	 * Settings for the subscribers of one topic, by topic; they override subscriber-defaults.
	 */
	private final Map<String, Settings> topics = new LinkedHashMap<>();

	/**
	 * Settings for one subscriber, by subscriber name; they override everything else, the annotation
	 * included.
	 */
	private final Map<String, Settings> subscribers = new LinkedHashMap<>();

	public Integer getDispatchers() {
		return this.dispatchers;
	}

	public void setDispatchers(Integer dispatchers) {
		this.dispatchers = dispatchers;
	}

	public Transport getTransport() {
		return this.transport;
	}

	public void setTransport(Transport transport) {
		this.transport = transport;
	}

	public Settings getSubscriberDefaults() {
		return this.subscriberDefaults;
	}

	public Map<String, Settings> getTopics() {
		return this.topics;
	}

	public Map<String, Settings> getSubscribers() {
		return this.subscribers;
	}

	/**
	 * The options of a subscriber, each setting taken from the first that sets it: configuration for
	 * the subscriber, then the annotation, then configuration for the topic, then the defaults.
	 * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException
	 * naming the property whose value is not allowed
	 */
	SubscriberOptions options(String topic, String name, Integer annotatedBuffer, Overflow annotatedOverflow,
			String annotatedGroup) {
		Settings own = this.subscribers.getOrDefault(name, new Settings());
		Settings forTopic = this.topics.getOrDefault(topic, new Settings());
		Map<String, String> properties = new LinkedHashMap<>();
		Map<String, Object> values = new LinkedHashMap<>();
		pick("buffer", own.buffer, annotatedBuffer, forTopic.buffer, this.subscriberDefaults.buffer, topic, name,
				properties, values);
		pick("overflow", own.overflow, annotatedOverflow, forTopic.overflow, this.subscriberDefaults.overflow, topic,
				name, properties, values);
		pick("publish-timeout", own.publishTimeout, null, forTopic.publishTimeout,
				this.subscriberDefaults.publishTimeout, topic, name, properties, values);
		String group = (own.group != null) ? own.group : annotatedGroup;
		if (group != null) {
			properties.put("group", (own.group != null) ? "sluice.event-bus.subscribers." + name + ".group"
					: "@EventSubscriber(group) of subscriber '" + name + "'");
			values.put("group", group);
		}
		return ConfiguredValues.build(properties, values, () -> new SubscriberOptions(name,
				(Integer) values.get("buffer"), (Overflow) values.get("overflow"),
				(Duration) values.get("publish-timeout"), group));
	}

	private static void pick(String key, Object own, Object annotated, Object forTopic, Object fallback,
			String topic, String name, Map<String, String> properties, Map<String, Object> values) {
		if (own != null) {
			properties.put(key, "sluice.event-bus.subscribers." + name + "." + key);
			values.put(key, own);
		}
		else if (annotated != null) {
			properties.put(key, "@EventSubscriber(" + key + ") of subscriber '" + name + "'");
			values.put(key, annotated);
		}
		else if (forTopic != null) {
			properties.put(key, "sluice.event-bus.topics." + topic + "." + key);
			values.put(key, forTopic);
		}
		else {
			properties.put(key, "sluice.event-bus.subscriber-defaults." + key);
			values.put(key, fallback);
		}
	}

	/** Checks every configured setting at start-up, before any subscriber uses it. */
	void validate() {
		if (this.dispatchers != null && (this.dispatchers < 1 || this.dispatchers > EventBus.MAX_DISPATCHERS)) {
			throw new InvalidConfigurationPropertyValueException("sluice.event-bus.dispatchers", this.dispatchers,
					"dispatchers must be between 1 and " + EventBus.MAX_DISPATCHERS);
		}
		options("(defaults)", "(defaults)", null, null, null);
		this.topics.keySet().forEach((topic) -> options(topic, "(topic defaults)", null, null, null));
		this.subscribers.keySet().forEach((name) -> options("(any)", name, null, null, null));
		groupOnlyPerSubscriber("sluice.event-bus.subscriber-defaults.group", this.subscriberDefaults);
		this.topics.forEach((topic, settings) -> groupOnlyPerSubscriber("sluice.event-bus.topics." + topic + ".group",
				settings));
	}

	/** A group shared by every subscriber of a topic (or of all) would make them compete: refused. */
	private static void groupOnlyPerSubscriber(String property, Settings settings) {
		if (settings.group != null) {
			throw new InvalidConfigurationPropertyValueException(property, settings.group,
					"group is set per subscriber: sluice.event-bus.subscribers.<name>.group or @EventSubscriber(group)");
		}
	}

	/** The settings of a subscriber; a setting left empty comes from the level below. */
	public static class Settings {

		/**
		 * Events that may wait for the subscriber, at least 1.
		 */
		private Integer buffer;

		/**
		 * What publishing does when the subscriber's buffer is full: drop-newest, drop-oldest, block
		 * (wait up to publish-timeout, then fail) or fail.
		 */
		private Overflow overflow;

		/**
		 * How long a publisher waits for room when overflow is block.
		 */
		private Duration publishTimeout;

		/**
		 * Group of competing consumers the subscriber belongs to; with the redis transport each event
		 * goes to one member of the group across all instances. Empty: the subscriber receives every
		 * event. Set per subscriber only.
		 */
		private String group;

		static Settings defaults() {
			Settings settings = new Settings();
			settings.buffer = SubscriberOptions.DEFAULT_BUFFER;
			settings.overflow = Overflow.DROP_NEWEST;
			settings.publishTimeout = Duration.ofSeconds(1);
			return settings;
		}

		public Integer getBuffer() {
			return this.buffer;
		}

		public void setBuffer(Integer buffer) {
			this.buffer = buffer;
		}

		public Overflow getOverflow() {
			return this.overflow;
		}

		public void setOverflow(Overflow overflow) {
			this.overflow = overflow;
		}

		public Duration getPublishTimeout() {
			return this.publishTimeout;
		}

		public void setPublishTimeout(Duration publishTimeout) {
			this.publishTimeout = publishTimeout;
		}

		public String getGroup() {
			return this.group;
		}

		public void setGroup(String group) {
			this.group = group;
		}
	}

	/** What carries the bus's events. */
	public enum Transport {

		/** Events stay in this process. */
		IN_MEMORY,

		/** Events travel through Redis Streams between the instances of the application. */
		REDIS
	}
}
