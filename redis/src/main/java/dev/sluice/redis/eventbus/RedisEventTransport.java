package dev.sluice.redis.eventbus;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

import dev.sluice.InvalidSettingException;
import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.EventRejectedException;
import dev.sluice.eventbus.EventTransport;
import dev.sluice.eventbus.PublishResult;
import dev.sluice.eventbus.SubscriberOptions;
import dev.sluice.eventbus.Subscription;
import dev.sluice.redis.connection.BackgroundConnection;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/**
 * An {@link EventTransport} between instances, on Redis Streams: each topic is a stream
 * ({@code <keyPrefix>events:<topic>}), each event one entry of JSON, and the
 * {@link EventBus} on every instance keeps its API, buffers and accounting. Its settings
 * are a {@link RedisStreamSettings}.
 *
 * <pre>{@code
 * RedisEventTransport transport = RedisEventTransport.builder(redisClient)
 *         .eventTypes(EventTypes.builder().register("order-placed", OrderPlaced.class).build())
 *         .maxLength(1_000_000)
 *         .build();
 * EventBus bus = EventBus.create("orders", 4, transport);
 * }</pre>
 *
 * <ul>
 * <li><b>Publishing</b> adds one entry to the topic's stream (XADD) over a connection
 * shared by all publishers, and returns once Redis acknowledged it, which is what a
 * normal return means: the event is in the stream. If Redis does not answer within the
 * publish timeout, or refuses, or there is no connection, the publish throws
 * {@link EventRejectedException} (a timed-out XADD may still have reached Redis). An
 * event whose class is not in the {@link EventTypes} fails with
 * {@link IllegalArgumentException}. The {@link PublishResult} counts the stream as the
 * one recipient ({@code 1, 1, 0, 0}); it says nothing of the subscribers, who receive the
 * event when it comes back from the stream.</li>
 * <li><b>Plain subscribers</b> (broadcast) on every instance see every event published
 * while their instance is reading the topic, the publishing instance's own included, in
 * stream order, from where the stream ended when the topic got its first subscriber here.
 * Broadcast is live: what was published before, or while an instance was not reading, is
 * not replayed to it. Delivery to the subscribers is the bus's, with their buffers and
 * overflow policies.</li>
 * <li><b>Group members</b> ({@link SubscriberOptions#withGroup}) share each event: one
 * member of the group, on some instance, handles it, on the member's own thread, and it
 * is acknowledged only after its handler returned normally. An event whose handler threw,
 * or whose member stopped, stays pending; after it has been idle for claim-idle a member
 * takes it over and handles it again, and after max-deliveries it goes to the dead-letter
 * stream ({@code <stream>:dead}). So each event published after the group was created
 * (from the stream's end, when its first member subscribes) is handled at least once,
 * while the stream holds it. Claim-idle must be longer than a member takes over a whole
 * batch, or an entry that is slow to come up is handled again elsewhere meanwhile. Every
 * member of a group, on every instance, must take the same event type: an entry of
 * another type is dead-lettered ({@code type-mismatch}), not lost. A lost group
 * (destroyed, or gone in a restart without persistence) is created again from the last
 * entry its members read.</li>
 * <li><b>Malformed entries</b> (bad JSON, missing fields, a type not in the
 * {@link EventTypes}) are counted and dead-lettered, once per reader or group that meets
 * them, and never stop a reader.</li>
 * <li><b>Trimming</b> keeps each stream near max-length but never trims an entry some
 * group has not acknowledged or not yet been delivered, nor, under
 * {@linkplain RedisStreamSettings#losslessBroadcast() lossless broadcast}, one a live
 * broadcast reader has not read (a reader is live while its instance renews it, and for
 * reader-ttl after); when such entries keep the stream above max-length, it is counted
 * ({@link RedisTopicStats#trimHeld()}) and logged. Otherwise a broadcast reader more than
 * max-length entries behind misses what is trimmed, and counts it
 * ({@link RedisTopicStats#missed()}).</li>
 * <li><b>Redis failures</b>: the transport can be built, and subscribed to, while Redis
 * is down. Readers and members keep going through lost connections and restarts, and
 * through any {@link Error} but a {@link VirtualMachineError} and any interrupt that
 * {@link #abandonRemaining()} did not make (each logged, rate-limited per transport);
 * publishes fail meanwhile.</li>
 * <li><b>Counters</b>: {@link #stats()} per topic and per group member, and
 * {@link RedisEventBusMetrics}. Group members are the transport's, so the bus's own
 * {@code stats()} and metrics do not list them; their {@link Subscription#stats()} has
 * the bus's shape.</li>
 * <li><b>Shutdown</b> follows the bus's: after {@link #stopIntake()} no read or claim
 * starts, and one under way is finished, its entries handled and acknowledged;
 * {@link #awaitDrained} returns true only once no reader or member has a read, claim or
 * batch under way; {@link #abandonRemaining()} interrupts the handlers and leaves what
 * they had not finished pending, for other instances to claim. {@link #close()} also
 * closes the transport's connections, not the {@link RedisClient}, which belongs to the
 * caller.</li>
 * </ul>
 *
 * <p>
 * Thread-safe. Topics the {@link Builder#topics} predicate leaves out are delivered in
 * this process only, as by the in-memory transport.
 */
public final class RedisEventTransport implements EventTransport, AutoCloseable {

	/*
	 * Design notes. Threads: publishers share one connection (Lettuce pipelines their
	 * XADDs), made in the background (BackgroundConnection); every broadcast reader and
	 * group member is a thread with a connection of its own, since their reads block in
	 * Redis (StreamWorkers); a single scheduler thread trims (Trimmer). Every wait on
	 * Redis is bounded by a timeout of ours (Commands.await), never the client's command
	 * timeout. `stopped` and `closed` are volatile; close runs once, under this object's
	 * monitor. Topics and groups are in Topics, whose maps only grow.
	 */

	private static final System.Logger LOGGER = System.getLogger(RedisEventTransport.class.getName());

	private static final PublishResult STREAMED = new PublishResult(1, 1, 0, 0);

	private final RedisStreamSettings settings;

	private final String instanceId;

	private final EventTypes eventTypes;

	private final Predicate<String> routed;

	private final RateLimitedLog log;

	private final BackgroundConnection<StatefulRedisConnection<String, String>> shared;

	private final Topics topics;

	private final StreamWorkers workers;

	private final WorkerContext context;

	private final StreamPublisher publisher;

	private final StreamFiguresReader figures;

	private final Trimmer trimmer;

	private volatile boolean stopped;

	private volatile boolean closed;

	/**
	 * A transport whose connections, the shared one and each worker's, come from
	 * {@code connections}, and which logs to {@code log}: the seam for tests that hold a
	 * command or read the log.
	 */
	RedisEventTransport(RedisStreamSettings settings, EventTypes eventTypes, JsonMapper jsonMapper,
			Predicate<String> routed, Supplier<StatefulRedisConnection<String, String>> connections,
			RateLimitedLog log) {
		this.instanceId = (settings.instanceId() != null) ? settings.instanceId()
				: UUID.randomUUID().toString().substring(0, 13);
		this.settings = settings.withInstanceId(this.instanceId);
		this.eventTypes = eventTypes;
		this.routed = routed;
		this.log = log;
		// connected in the background from now, so that the first publish does not pay
		// for it
		this.shared = BackgroundConnection.start("sluice-redis-" + this.instanceId, connections,
				StatefulRedisConnection::closeAsync);
		this.topics = new Topics(this.settings.keyPrefix());
		this.workers = new StreamWorkers(log);
		this.context = new WorkerContext(this.settings,
				new Wire(eventTypes, jsonMapper, this.instanceId, this.settings.maxEventSize()), log, connections,
				this.workers);
		this.publisher = new StreamPublisher(this.shared, this.context.wire(), this.settings.publishTimeoutNanos());
		this.figures = new StreamFiguresReader(this.shared, this.settings.publishTimeoutNanos(), log);
		this.trimmer = Trimmer.start(this.shared, this.topics::all, this.settings, log);
	}

	/**
	 * A builder for a transport over the client's Redis; the client stays the caller's to
	 * shut down.
	 */
	public static Builder builder(RedisClient client) {
		return new Builder(client);
	}

	/**
	 * The settings, with the instance id this transport uses (the random one if none was
	 * given).
	 */
	public RedisStreamSettings settings() {
		return this.settings;
	}

	/**
	 * This instance's id, which names its consumers in Redis and is the {@code origin} of
	 * its events.
	 */
	public String instanceId() {
		return this.instanceId;
	}

	/** The event types that travel. */
	public EventTypes eventTypes() {
		return this.eventTypes;
	}

	/** The stream that carries the topic. */
	public String streamKey(String topic) {
		return this.settings.keyPrefix() + "events:" + topic;
	}

	/** The stream that receives the topic's dead letters. */
	public String deadLetterKey(String topic) {
		return streamKey(topic) + ":dead";
	}

	/**
	 * Whether the topic goes through Redis (else it is delivered in this process only).
	 */
	public boolean routes(String topic) {
		return this.routed.test(topic);
	}

	@Override
	public PublishResult send(String topic, Object event, LocalDelivery local) throws InterruptedException {
		if (!this.routed.test(topic)) {
			return local.deliver(topic, event);
		}
		this.publisher.publish(this.topics.topic(topic), event, null, Map.of());
		return STREAMED;
	}

	/**
	 * As {@link #send(String, Object, LocalDelivery)}, with the publisher's id stored in
	 * the entry ({@code event-id}): every instance's handlers see it as the event's id,
	 * instead of the entry's.
	 */
	@Override
	public PublishResult send(String topic, Object event, String eventId, LocalDelivery local)
			throws InterruptedException {
		if (!this.routed.test(topic)) {
			return local.deliver(topic, event);
		}
		this.publisher.publish(this.topics.topic(topic), event, eventId, Map.of());
		return STREAMED;
	}

	/**
	 * As {@link #send(String, Object, LocalDelivery)}, with the event's id if it has one
	 * and its headers (the trace context of an observed publish) stored in the entry, one
	 * {@code h:<name>} field each: every instance's handlers see them in their
	 * {@link dev.sluice.eventbus.Delivery}, broadcast subscribers and group members
	 * alike, on every attempt, and dead letters keep them.
	 */
	@Override
	public PublishResult send(String topic, Object event, @Nullable String eventId, Map<String, String> headers,
			LocalDelivery local) throws InterruptedException {
		if (!this.routed.test(topic)) {
			return local.deliver(topic, event);
		}
		this.publisher.publish(this.topics.topic(topic), event, eventId, headers);
		return STREAMED;
	}

	@Override
	public void open(String topic, LocalDelivery local) {
		if (!this.routed.test(topic)) {
			return;
		}
		checkOpen();
		TopicState state = this.topics.topic(topic);
		this.workers.read(topic, local, (first) -> new BroadcastReader(this.context, state, streamEnd(state), first));
	}

	/**
	 * Where the stream ends now, or null if Redis does not answer: the reader then finds
	 * out itself.
	 */
	private BroadcastReader.@Nullable StreamEnd streamEnd(TopicState state) {
		long deadline = System.nanoTime() + this.settings.publishTimeoutNanos();
		try {
			BroadcastReader.StreamEnd end = BroadcastReader.streamEnd(shared(deadline), state.key,
					deadline - System.nanoTime());
			if (this.settings.losslessBroadcast() && this.settings.trims()) {
				// before the subscribe returns, so that what is published after it is
				// held
				BroadcastReader.register(shared(deadline), state, this.settings, end.lastId(),
						deadline - System.nanoTime());
			}
			return end;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (TimeoutException | RuntimeException ex) {
			this.log.log(Level.WARNING, "Could not read where stream '" + state.key + "' ends (" + ex
					+ "); its reader starts from where it ends once Redis answers");
		}
		return null;
	}

	@Override
	public <E> @Nullable Subscription subscribeGroup(String topic, Class<E> type, Consumer<? super E> handler,
			SubscriberOptions options) {
		if (!this.routed.test(topic)) {
			// the bus serves it, as the only member of its group in this process
			return null;
		}
		Objects.requireNonNull(options.group(), "options.group");
		checkOpen();
		TopicState state = this.topics.topic(topic);
		GroupState group = this.topics.group(state, options.group());
		String consumer = this.instanceId + "/" + options.name();
		group.join(consumer, options.name(), type);
		boolean created = false;
		long deadline = System.nanoTime() + this.settings.publishTimeoutNanos();
		try {
			Commands.createGroup(shared(deadline), state.key, group.name, "$", deadline - System.nanoTime());
			created = true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (TimeoutException | RuntimeException ex) {
			this.log.log(Level.WARNING, "Could not create group '" + group.name + "' on stream '" + state.key + "' ("
					+ ex + "); member '" + options.name() + "' creates it once Redis answers");
		}
		GroupMember member = new GroupMember(this.context, group, consumer, type, handler, options, created);
		this.workers.add(member);
		return member;
	}

	@Override
	public void stopIntake() {
		this.stopped = true;
		this.workers.stopAll();
	}

	@Override
	public boolean awaitDrained(Duration timeout) throws InterruptedException {
		return this.workers.awaitDrained(timeout);
	}

	/**
	 * Interrupts the handlers under way and stops every reader and member at once.
	 * Returns the events they had read and not finished: nothing more is acknowledged, so
	 * these stay pending in Redis, and a member on another instance claims them after
	 * claim-idle.
	 */
	@Override
	public int abandonRemaining() {
		this.stopped = true;
		return (int) Math.min(Integer.MAX_VALUE, this.workers.abandonAll());
	}

	/**
	 * Stops everything at once, as {@link #abandonRemaining()} does, and closes the
	 * transport's connections (not the client). Shut the bus down first (it drains
	 * gracefully); publishing afterwards fails. Waits up to a couple of seconds for the
	 * threads to end.
	 */
	@Override
	public void close() {
		synchronized (this) {
			if (this.closed) {
				return;
			}
			this.closed = true;
		}
		// first, so that no publish gets through once close has begun
		CompletableFuture<Void> shared = this.shared.close();
		abandonRemaining();
		this.trimmer.close();
		this.workers.close(List.of(shared), System.nanoTime() + TimeUnit.SECONDS.toNanos(2));
	}

	/** Whether Redis answers PING within the timeout, over the shared connection. */
	public boolean ping(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		try {
			return "PONG"
				.equalsIgnoreCase(Commands.await(shared(deadline).ping(), deadline - System.nanoTime(), "PING"));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
		catch (TimeoutException | RuntimeException ex) {
			return false;
		}
	}

	/** Every topic's figures, waiting up to the publish timeout for Redis. */
	public List<RedisTopicStats> stats() {
		return stats(this.settings.publishTimeout());
	}

	/**
	 * Every topic's counters, and its members of groups, with the figures read from Redis
	 * now (one pipelined round trip per topic); a figure Redis did not give within the
	 * timeout is null.
	 */
	public List<RedisTopicStats> stats(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		List<RedisTopicStats> stats = new ArrayList<>();
		for (TopicState state : this.topics.all()) {
			StreamFigures figures = this.figures.read(state, deadline);
			List<RedisGroupStats> groupStats = new ArrayList<>();
			for (GroupMember member : this.workers.members()) {
				if (member.topic == state) {
					groupStats.add(member.groupStats(figures));
				}
			}
			stats.add(new RedisTopicStats(state.topic, state.key, figures.length(), state.published.sum(),
					state.received.sum(), state.missed.sum(), state.malformed.sum(), state.deadLettered.sum(),
					state.trimHeld.sum(), state.trimmed.sum(), groupStats));
		}
		return stats;
	}

	/** The shared connection's commands, waiting for a connection up to the deadline. */
	private RedisAsyncCommands<String, String> shared(long deadline) throws InterruptedException, TimeoutException {
		if (this.closed) {
			throw new IllegalStateException("The Redis event transport is closed");
		}
		return this.shared.await(deadline).async();
	}

	private void checkOpen() {
		if (this.closed || this.stopped) {
			throw new IllegalStateException(
					"The Redis event transport of instance '" + this.instanceId + "' is shut down");
		}
	}

	/** The topics and groups met so far, for metrics and tests. */
	Topics topics() {
		return this.topics;
	}

	StreamFiguresReader figures() {
		return this.figures;
	}

	Trimmer trimmer() {
		return this.trimmer;
	}

	@Override
	public String toString() {
		return "RedisEventTransport[" + this.instanceId + ", " + this.topics.all().size() + " topics]";
	}

	/**
	 * Makes a {@link RedisEventTransport}: its {@link RedisStreamSettings}, given whole
	 * or one by one (each setter checks its value at once, as the settings' constructor
	 * does), and the parts that are not settings. {@link #eventTypes} is required. Not
	 * thread-safe.
	 */
	public static final class Builder {

		private final RedisClient client;

		private RedisStreamSettings settings = RedisStreamSettings.defaults();

		private @Nullable EventTypes eventTypes;

		private @Nullable JsonMapper jsonMapper;

		private Predicate<String> topics = (topic) -> true;

		private Builder(RedisClient client) {
			this.client = Objects.requireNonNull(client, "client");
		}

		/** All the settings at once; default {@link RedisStreamSettings#defaults()}. */
		public Builder settings(RedisStreamSettings settings) {
			if (settings == null) {
				throw new InvalidSettingException("settings", settings, "settings must not be null");
			}
			this.settings = settings;
			return this;
		}

		/** See {@link RedisStreamSettings#keyPrefix()}. */
		public Builder keyPrefix(String keyPrefix) {
			this.settings = this.settings.withKeyPrefix(keyPrefix);
			return this;
		}

		/** See {@link RedisStreamSettings#instanceId()}. */
		public Builder instanceId(@Nullable String instanceId) {
			this.settings = this.settings.withInstanceId(instanceId);
			return this;
		}

		/** See {@link RedisStreamSettings#maxLength()}. */
		public Builder maxLength(long maxLength) {
			this.settings = this.settings.withMaxLength(maxLength);
			return this;
		}

		/** See {@link RedisStreamSettings#maxDeliveries()}. */
		public Builder maxDeliveries(int maxDeliveries) {
			this.settings = this.settings.withMaxDeliveries(maxDeliveries);
			return this;
		}

		/** See {@link RedisStreamSettings#claimIdle()}. */
		public Builder claimIdle(Duration claimIdle) {
			this.settings = this.settings.withClaimIdle(claimIdle);
			return this;
		}

		/** See {@link RedisStreamSettings#pollTimeout()}. */
		public Builder pollTimeout(Duration pollTimeout) {
			this.settings = this.settings.withPollTimeout(pollTimeout);
			return this;
		}

		/** See {@link RedisStreamSettings#batchSize()}. */
		public Builder batchSize(int batchSize) {
			this.settings = this.settings.withBatchSize(batchSize);
			return this;
		}

		/** See {@link RedisStreamSettings#publishTimeout()}. */
		public Builder publishTimeout(Duration publishTimeout) {
			this.settings = this.settings.withPublishTimeout(publishTimeout);
			return this;
		}

		/** See {@link RedisStreamSettings#trimInterval()}. */
		public Builder trimInterval(Duration trimInterval) {
			this.settings = this.settings.withTrimInterval(trimInterval);
			return this;
		}

		/** See {@link RedisStreamSettings#losslessBroadcast()}. */
		public Builder losslessBroadcast(boolean losslessBroadcast) {
			this.settings = this.settings.withLosslessBroadcast(losslessBroadcast);
			return this;
		}

		/** See {@link RedisStreamSettings#readerTtl()}. */
		public Builder readerTtl(Duration readerTtl) {
			this.settings = this.settings.withReaderTtl(readerTtl);
			return this;
		}

		/** See {@link RedisStreamSettings#maxEventSize()}. */
		public Builder maxEventSize(long maxEventSize) {
			this.settings = this.settings.withMaxEventSize(maxEventSize);
			return this;
		}

		/** The event types that may travel; required. */
		public Builder eventTypes(EventTypes eventTypes) {
			if (eventTypes == null) {
				throw new InvalidSettingException("event-types", eventTypes, "event-types must not be null");
			}
			this.eventTypes = eventTypes;
			return this;
		}

		/**
		 * Writes and reads the events' JSON; default
		 * {@code JsonMapper.builder().build()}.
		 */
		public Builder jsonMapper(JsonMapper jsonMapper) {
			if (jsonMapper == null) {
				throw new InvalidSettingException("json-mapper", jsonMapper, "json-mapper must not be null");
			}
			this.jsonMapper = jsonMapper;
			return this;
		}

		/**
		 * Which topics go through Redis; the others are delivered in this process only.
		 * Default all.
		 */
		public Builder topics(Predicate<String> topics) {
			if (topics == null) {
				throw new InvalidSettingException("topics", topics,
						"topics must not be null; leave it out for all topics");
			}
			this.topics = topics;
			return this;
		}

		/**
		 * The transport. It starts connecting to Redis in the background and does not
		 * wait for it, so it can be built while Redis is down.
		 * @throws IllegalStateException if no event types were given
		 */
		public RedisEventTransport build() {
			return build(this.client::connect, new RateLimitedLog(LOGGER));
		}

		/**
		 * The transport, with its connections from {@code connections} and its log to
		 * {@code log}.
		 */
		RedisEventTransport build(Supplier<StatefulRedisConnection<String, String>> connections, RateLimitedLog log) {
			if (this.eventTypes == null) {
				throw new IllegalStateException("event-types must be set: the allow-list of the event types that may"
						+ " travel between instances (EventTypes.builder().register(\"order-placed\", OrderPlaced.class))");
			}
			JsonMapper mapper = (this.jsonMapper != null) ? this.jsonMapper : JsonMapper.builder().build();
			return new RedisEventTransport(this.settings, this.eventTypes, mapper, this.topics, connections, log);
		}

	}

}
