package dev.sluice.autoconfigure.eventbus;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.sluice.eventbus.BufferOverflow;
import dev.sluice.eventbus.SubscriberOptions;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Sluice's event bus: its dispatchers and transport, and its subscribers' settings:
 * {@code sluice.event-bus.subscriber.instances.<name>}, each starting from
 * {@code sluice.event-bus.subscriber.defaults} and the settings of its topic.
 */
@ConfigurationProperties("sluice.event-bus")
public class EventBusProperties {

	/**
	 * Number of dispatcher threads that deliver events to every subscriber, 1 to 32767.
	 * Empty: the number of processors.
	 */
	private @Nullable Integer dispatchers;

	/**
	 * What carries events: in-memory (this process only) or redis (Redis Streams, between
	 * instances; needs sluice-redis and a Redis connection).
	 */
	private Transport transport = Transport.IN_MEMORY;

	/**
	 * Whether a subscriber's handler runs in the context its publisher had at publish:
	 * its deadline (Timeout.call) and, with io.micrometer:context-propagation on the
	 * class path, every registered thread-local (the current observation, the MDC once an
	 * accessor for it is registered). False: handlers run with nothing of the
	 * publisher's, and events keep no context while they wait.
	 */
	private boolean propagateContext = true;

	/**
	 * Settings of the subscribers.
	 */
	private final Subscribers subscriber = new Subscribers();

	/**
	 * Micrometer observations of publishes and deliveries.
	 */
	private final Observations observations = new Observations();

	/**
	 * Settings of the topics, as their publishers see them.
	 */
	private final Topics topic = new Topics();

	public @Nullable Integer getDispatchers() {
		return this.dispatchers;
	}

	public void setDispatchers(@Nullable Integer dispatchers) {
		this.dispatchers = dispatchers;
	}

	public Transport getTransport() {
		return this.transport;
	}

	public void setTransport(Transport transport) {
		this.transport = transport;
	}

	public boolean isPropagateContext() {
		return this.propagateContext;
	}

	public void setPropagateContext(boolean propagateContext) {
		this.propagateContext = propagateContext;
	}

	public Subscribers getSubscriber() {
		return this.subscriber;
	}

	public Observations getObservations() {
		return this.observations;
	}

	/** Whether the bus observes its publishes and deliveries. */
	public static class Observations {

		/**
		 * Whether the bus observes each publish and each delivery to a subscriber
		 * (sluice.event.publish, sluice.event.delivery) in the application's
		 * ObservationRegistry, when there is one; with tracing, the trace context travels
		 * with the events, through Redis too.
		 */
		private boolean enabled = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

	public Topics getTopic() {
		return this.topic;
	}

	/**
	 * The subscribers' settings: defaults, then by topic, then (after an annotation's) by
	 * subscriber.
	 */
	public static class Subscribers {

		/**
		 * Settings every subscriber starts from.
		 */
		private final Subscriber defaults = new Subscriber();

		/**
		 * Settings for the subscribers of one topic, by topic; they override the
		 * defaults. A group cannot be set here.
		 */
		private final Map<String, Subscriber> topics = new LinkedHashMap<>();

		/**
		 * Settings for one subscriber, by subscriber name; they override everything else,
		 * the subscriber's @EventSubscriber annotation included.
		 */
		private final Map<String, Subscriber> instances = new LinkedHashMap<>();

		public Subscriber getDefaults() {
			return this.defaults;
		}

		public Map<String, Subscriber> getTopics() {
			return this.topics;
		}

		public Map<String, Subscriber> getInstances() {
			return this.instances;
		}

	}

	/** The settings of one subscriber, and of the defaults and a topic's. */
	public static class Subscriber {

		/**
		 * Events that may wait for the subscriber, at least 1.
		 */
		private int buffer = 1024;

		/**
		 * What publishing does when the subscriber's buffer is full: drop-newest,
		 * drop-oldest, block (wait up to publish-timeout, then fail) or fail.
		 */
		private BufferOverflow overflow = BufferOverflow.DROP_NEWEST;

		/**
		 * How long a publisher waits for room when overflow is block.
		 */
		private Duration publishTimeout = Duration.ofSeconds(1);

		/**
		 * Group of competing consumers the subscriber belongs to; with the redis
		 * transport each event goes to one member of the group across all instances.
		 * Empty: the subscriber receives every event. Set per subscriber only.
		 */
		private @Nullable String group;

		SubscriberOptions toOptions(String name) {
			return new SubscriberOptions(name, this.buffer, this.overflow, this.publishTimeout, this.group);
		}

		public int getBuffer() {
			return this.buffer;
		}

		public void setBuffer(int buffer) {
			this.buffer = buffer;
		}

		public BufferOverflow getOverflow() {
			return this.overflow;
		}

		public void setOverflow(BufferOverflow overflow) {
			this.overflow = overflow;
		}

		public Duration getPublishTimeout() {
			return this.publishTimeout;
		}

		public void setPublishTimeout(Duration publishTimeout) {
			this.publishTimeout = publishTimeout;
		}

		public @Nullable String getGroup() {
			return this.group;
		}

		public void setGroup(@Nullable String group) {
			this.group = group;
		}

	}

	/**
	 * The topics' settings: {@code sluice.event-bus.topic.instances.<topic>}, each
	 * starting from {@code sluice.event-bus.topic.defaults}.
	 */
	public static class Topics {

		/**
		 * Settings every topic starts from.
		 */
		private final Topic defaults = new Topic();

		/**
		 * Settings for one topic, by topic name; they override the defaults.
		 */
		private final Map<String, Topic> instances = new LinkedHashMap<>();

		public Topic getDefaults() {
			return this.defaults;
		}

		public Map<String, Topic> getInstances() {
			return this.instances;
		}

	}

	/** The settings of one topic, and of the defaults. */
	public static class Topic {

		/**
		 * When a publish made while a Spring transaction is active goes out: immediate
		 * (at once, whatever becomes of the transaction) or after-commit (held until the
		 * transaction commits, and dropped, counted, if it rolls back). Publishes made
		 * outside a transaction go out at once either way.
		 */
		private TransactionalPublish transactional = TransactionalPublish.IMMEDIATE;

		public TransactionalPublish getTransactional() {
			return this.transactional;
		}

		public void setTransactional(TransactionalPublish transactional) {
			this.transactional = transactional;
		}

	}

	/** When a publish made inside a transaction goes out. */
	public enum TransactionalPublish {

		/** At once, whatever becomes of the transaction. */
		IMMEDIATE,

		/**
		 * When the transaction commits; dropped, and counted, if it rolls back.
		 */
		AFTER_COMMIT

	}

	/** What carries the bus's events. */
	public enum Transport {

		/** Events stay in this process. */
		IN_MEMORY,

		/**
		 * Events travel through Redis Streams between the instances of the application.
		 */
		REDIS

	}

}
