package dev.sluice.redis.eventbus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import dev.sluice.eventbus.EventBus;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

/**
 * Instances of an application, simulated in one JVM: each its own {@link RedisClient},
 * {@link RedisEventTransport} and {@link EventBus}, sharing one Redis and one key prefix.
 * Closing shuts every instance down that is still up.
 */
final class Instances implements AutoCloseable {

	/** The event types of the tests. */
	static final EventTypes TYPES = EventTypes.builder()
		.register("ping", Ping.class)
		.register("note", Note.class)
		.build();

	private final RedisURI uri;

	private final String prefix;

	private final List<Instance> started = new ArrayList<>();

	/**
	 * A plain connection for what a test does to Redis itself; opened when first asked
	 * for.
	 */
	private RedisClient rawClient;

	private StatefulRedisConnection<String, String> raw;

	Instances(RedisURI uri, String prefix) {
		this.uri = uri;
		this.prefix = prefix;
	}

	/**
	 * An instance with test timings (claim-idle 500 ms, poll timeout 100 ms), adjusted by
	 * {@code config}.
	 */
	Instance start(String name, UnaryOperator<RedisEventTransport.Builder> config) {
		return start(name, config, null, null);
	}

	/**
	 * As {@link #start(String, UnaryOperator)}, with every connection the transport opens
	 * passed through {@code connections} (such as to hold a command), and its log written
	 * to {@code log}.
	 */
	Instance start(String name, UnaryOperator<RedisEventTransport.Builder> config,
			UnaryOperator<StatefulRedisConnection<String, String>> connections, RateLimitedLog log) {
		RedisClient client = RedisClient.create(this.uri);
		RedisEventTransport.Builder builder = RedisEventTransport.builder(client)
			.keyPrefix(this.prefix)
			.instanceId(name)
			.eventTypes(TYPES)
			.claimIdle(Duration.ofMillis(500))
			.pollTimeout(Duration.ofMillis(100))
			.publishTimeout(Duration.ofSeconds(2))
			.batchSize(16);
		config.apply(builder);
		RedisEventTransport transport;
		if (connections == null && log == null) {
			transport = builder.build();
		}
		else {
			UnaryOperator<StatefulRedisConnection<String, String>> wrap = (connections != null) ? connections
					: UnaryOperator.identity();
			transport = builder.build(() -> wrap.apply(client.connect()),
					(log != null) ? log : new RateLimitedLog(System.getLogger(RedisEventTransport.class.getName())));
		}
		Instance instance = new Instance(name, client, transport, EventBus.create(name, 2, transport));
		synchronized (this.started) {
			this.started.add(instance);
		}
		return instance;
	}

	Instance start(String name) {
		return start(name, UnaryOperator.identity());
	}

	/** Commands on a connection of the test's own, outside every instance. */
	synchronized RedisCommands<String, String> raw() {
		if (this.raw == null) {
			this.rawClient = RedisClient.create(this.uri);
			this.raw = this.rawClient.connect();
		}
		return this.raw.sync();
	}

	@Override
	public void close() {
		synchronized (this.started) {
			this.started.forEach(Instance::close);
		}
		synchronized (this) {
			if (this.raw != null) {
				this.raw.close();
				this.rawClient.shutdown(Duration.ZERO, Duration.ofSeconds(1));
			}
		}
	}

	/** One simulated instance. */
	record Instance(String name, RedisClient client, RedisEventTransport transport,
			EventBus bus) implements AutoCloseable {

		/**
		 * Crashes, as near as one JVM gets: stops at once, acknowledging nothing more.
		 */
		int crash() {
			this.bus.stopIntake();
			int abandoned = this.bus.abandonRemaining();
			this.transport.close();
			return abandoned;
		}

		@Override
		public void close() {
			this.bus.stopIntake();
			this.bus.abandonRemaining();
			this.transport.close();
			this.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		}

		RedisGroupStats member(String topic, String member) {
			return this.transport.stats()
				.stream()
				.filter((stats) -> stats.topic().equals(topic))
				.flatMap((stats) -> stats.members().stream())
				.filter((stats) -> stats.member().equals(member))
				.findFirst()
				.orElseThrow();
		}

		RedisTopicStats topic(String topic) {
			return this.transport.stats()
				.stream()
				.filter((stats) -> stats.topic().equals(topic))
				.findFirst()
				.orElseThrow();
		}
	}

	/** An event. */
	public record Ping(int id) {
	}

	/** Another event. */
	public record Note(String text) {
	}

}
