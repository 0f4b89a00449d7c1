package dev.sluice.redis.eventbus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import tools.jackson.databind.json.JsonMapper;

/**
 * An {@link EventTransport} between instances, on Redis Streams: each topic is a stream
 * ({@code <keyPrefix>events:<topic>}), each event one entry of JSON, and the {@link EventBus} on every
 * instance keeps its API, buffers and accounting.
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
 * <li><b>Publishing</b> adds one entry to the topic's stream (XADD) over a connection shared by all
 * publishers, and returns once Redis acknowledged it, which is what a normal return means: the event
 * is in the stream. If Redis does not answer within the publish timeout, or refuses, the publish
 * throws {@link EventRejectedException} (a timed-out XADD may still have reached Redis). An event
 * whose class is not in the {@link EventTypes} fails with {@link IllegalArgumentException}. The
 * {@link PublishResult} counts the stream as the one recipient ({@code 1, 1, 0, 0}); it says nothing
 * of the subscribers, who receive the event when it comes back from the stream.</li>
 * <li><b>Plain subscribers</b> (broadcast) on every instance see every event published while their
 * instance is reading the topic, the publishing instance's own included, in stream order; one reader
 * thread per topic per transport reads from where the stream ended when the topic got its first
 * subscriber here. Broadcast is live: what was published before, or while an instance was not
 * reading, is not replayed to it. Delivery to the subscribers is the bus's, with their buffers and
 * overflow policies.</li>
 * <li><b>Group members</b> ({@link SubscriberOptions#withGroup}) share each event: one member of the
 * group, on some instance, handles it, on the member's own thread, and it is acknowledged only after
 * its handler returned normally. An event whose handler threw, or whose member stopped, stays
 * pending; after it has been idle for claim-idle a member takes it over and handles it again, and
 * after max-deliveries it goes to the dead-letter stream ({@code <stream>:dead}). So each event
 * published after the group was created is handled at least once, while the stream holds it. The
 * group is created (if it does not exist) when its first member subscribes, from the stream's end.
 * An entry's idle time runs from when its member read it, so claim-idle must be longer than a
 * member takes over a whole batch (batch size times the slowest handler), or an entry that is slow to
 * come up is handled again elsewhere meanwhile. Every member of a group, on every instance, must take
 * the same event type: a member that reads an entry of another type dead-letters it with reason
 * {@code type-mismatch} (rather than acknowledge it unhandled, which would lose it for the group).
 * A group that is lost (destroyed, or gone with its stream in a restart without persistence) is
 * created again by its members from the last entry they read, so that what they handled is not
 * handled again.</li>
 * <li><b>Malformed entries</b> (bad JSON, missing fields, a type not in the {@link EventTypes}) are
 * counted and dead-lettered, once per reader or group that meets them, and never stop a reader.</li>
 * <li><b>Trimming</b>, with {@link Builder#maxLength}, keeps each stream near max-length but never
 * trims an entry some group has not acknowledged or not yet been delivered; when such entries keep
 * the stream above max-length, it is counted ({@link RedisTopicStats#trimHeld()}) and logged.</li>
 * <li><b>Redis failures</b>: readers and members keep going through lost connections and restarts
 * (Lettuce reconnects; a lost group is created again). Publishes fail meanwhile. A reader or member
 * thread also survives an {@link Error} other than a {@link VirtualMachineError} (logged, then it goes
 * on; an entry a member cannot decode stays pending and is retried, then dead-lettered after
 * max-deliveries), and an interrupt that {@link #abandonRemaining()} did not make (cleared and
 * logged), such as that of a handler that interrupts its own thread.</li>
 * <li><b>Counters</b>: {@link #stats()} per topic and per group member, and
 * {@link RedisEventBusMetrics}. Group members are the transport's, so the bus's own
 * {@code stats()} and metrics do not list them; their {@link Subscription#stats()} has the bus's
 * shape: offered is every entry the member read or claimed (a redelivery counts again), delivered and
 * failed are its handler's outcomes, discarded is what it dead-lettered or left pending when closed
 * or abandoned, queued is what it has read and not settled, and buffer is the batch size; nothing is
 * dropped for overflow, since the stream is the buffer.</li>
 * <li><b>Shutdown</b> follows the bus's: {@link #stopIntake()} stops reading: no read or claim
 * starts after it, and one under way (a blocking read ends within the poll timeout) is finished, its
 * entries handled and acknowledged; {@link #awaitDrained} returns true only once no reader or member
 * has a read, claim or batch under way, so nothing is handled after it said so; {@link #abandonRemaining()}
 * interrupts the handlers and leaves what they had not finished pending, for other instances to
 * claim. {@link #close()} also closes the transport's connections, not the {@link RedisClient}, which
 * belongs to the caller.</li>
 * </ul>
 *
 * <p>Thread-safe. Topics the {@link Builder#topics} predicate leaves out are delivered in this
 * process only, as by the in-memory transport.
 */
public final class RedisEventTransport implements EventTransport, AutoCloseable {

	/*
	 * Design notes. Threads: publishers share one connection (Lettuce pipelines their XADDs); every
	 * broadcast reader and group member is a thread with a connection of its own, since their reads
	 * block in Redis; a single scheduler thread trims, when max-length is set. Every wait on Redis is
	 * bounded by a timeout of ours (Commands.await), never the client's command timeout. `lock` guards
	 * `shared` (the shared connection, connected in the background from the start and again on use
	 * after a failed connect, so that an instance can start while Redis is down) and `closed`;
	 * `readers` is only added to under `readers`' monitor; `stopped` and `closed` are volatile. Counters are LongAdders in TopicState and GroupState, whose maps
	 * only grow.
	 */

	private static final PublishResult STREAMED = new PublishResult(1, 1, 0, 0);

	/** How long figures read from Redis serve metrics before they are read again. */
	private static final long FIGURES_TTL_NANOS = TimeUnit.SECONDS.toNanos(1);

	final RedisClient client;

	final String keyPrefix;

	final String instanceId;

	final EventTypes eventTypes;

	final Wire wire;

	private final Predicate<String> topics;

	final long maxLength;

	final int maxDeliveries;

	final Duration claimIdle;

	final Duration pollTimeout;

	final Duration publishTimeout;

	final Duration trimInterval;

	final int batchSize;

	final long publishTimeoutNanos;

	/** Bound on a blocking read: the poll timeout, and as long again (at least a second) for the answer. */
	final long readTimeoutNanos;

	/** Bound on the other commands of readers and members, which nobody waits for. */
	final long workerTimeoutNanos;

	final long reclaimEveryNanos;

	private final Map<String, TopicState> topicStates = new ConcurrentHashMap<>();

	private final Map<String, GroupState> groups = new ConcurrentHashMap<>();

	private final Map<String, BroadcastReader> readers = new ConcurrentHashMap<>();

	private final Set<GroupMember> members = ConcurrentHashMap.newKeySet();

	/** Every reader and member from its start until its connection is closed, for close(). */
	private final Set<StreamWorker> live = ConcurrentHashMap.newKeySet();

	private final List<Listener> listeners = new CopyOnWriteArrayList<>();

	private final Object lock = new Object();

	private CompletableFuture<StatefulRedisConnection<String, String>> shared;

	private final ScheduledExecutorService trimmer;

	private volatile boolean stopped;

	private volatile boolean closed;

	private RedisEventTransport(Builder builder) {
		this.client = builder.client;
		this.keyPrefix = builder.keyPrefix;
		this.instanceId = (builder.instanceId != null) ? builder.instanceId
				: UUID.randomUUID().toString().substring(0, 13);
		this.eventTypes = builder.eventTypes;
		this.wire = new Wire(builder.eventTypes, builder.jsonMapper, this.instanceId);
		this.topics = builder.topics;
		this.maxLength = builder.maxLength;
		this.maxDeliveries = builder.maxDeliveries;
		this.claimIdle = builder.claimIdle;
		this.pollTimeout = builder.pollTimeout;
		this.publishTimeout = builder.publishTimeout;
		this.trimInterval = builder.trimInterval;
		this.batchSize = builder.batchSize;
		this.publishTimeoutNanos = builder.publishTimeout.toNanos();
		this.readTimeoutNanos = builder.pollTimeout.toNanos()
				+ Math.max(TimeUnit.SECONDS.toNanos(1), builder.pollTimeout.toNanos());
		this.workerTimeoutNanos = Math.max(TimeUnit.SECONDS.toNanos(2), this.publishTimeoutNanos);
		this.reclaimEveryNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(10), builder.claimIdle.toNanos() / 2);
		if (this.maxLength > 0) {
			this.trimmer = Executors.newSingleThreadScheduledExecutor((task) -> {
				Thread thread = new Thread(task, "sluice-redis-" + this.instanceId + "-trimmer");
				thread.setDaemon(true);
				return thread;
			});
			long every = this.trimInterval.toNanos();
			this.trimmer.scheduleWithFixedDelay(this::trimAll, every, every, TimeUnit.NANOSECONDS);
		}
		else {
			this.trimmer = null;
		}
		// connect in the background now, so that the first publish does not pay for it; a failure here
		// is only tried again by the next caller
		synchronized (this.lock) {
			this.shared = connect();
		}
	}

	/** A builder for a transport over the client's Redis; the client stays the caller's to shut down. */
	public static Builder builder(RedisClient client) {
		return new Builder(client);
	}

	/** This instance's id, which names its consumers in Redis and is the {@code origin} of its events. */
	public String instanceId() {
		return this.instanceId;
	}

	/** The event types that travel. */
	public EventTypes eventTypes() {
		return this.eventTypes;
	}

	/** The stream that carries the topic. */
	public String streamKey(String topic) {
		return this.keyPrefix + "events:" + topic;
	}

	/** The stream that receives the topic's dead letters. */
	public String deadLetterKey(String topic) {
		return streamKey(topic) + ":dead";
	}

	/** Whether the topic goes through Redis (else it is delivered in this process only). */
	public boolean routes(String topic) {
		return this.topics.test(topic);
	}

	@Override
	public PublishResult send(String topic, Object event, LocalDelivery local) throws InterruptedException {
		if (!this.topics.test(topic)) {
			return local.deliver(topic, event);
		}
		Map<String, String> body = this.wire.encode(event);
		// built only on failure: the message is not worth a string per publish
		Supplier<String> what = () -> "Event of type '" + body.get(Wire.TYPE) + "' was not published to topic '"
				+ topic + "'";
		if (this.closed) {
			throw Commands.rejected(topic, what.get() + ": the Redis event transport is closed", null);
		}
		TopicState state = topic(topic);
		long deadline = System.nanoTime() + this.publishTimeoutNanos;
		RedisFuture<String> added;
		try {
			added = shared(deadline).xadd(state.key, body);
		}
		catch (TimeoutException ex) {
			throw Commands.rejected(topic,
					what.get() + ": no connection to Redis within the publish timeout of " + this.publishTimeout.toMillis()
							+ " ms",
					ex);
		}
		catch (RuntimeException ex) {
			throw Commands.rejected(topic, what.get() + ": could not connect to Redis: " + ex.getMessage(), ex);
		}
		try {
			Commands.await(added, deadline - System.nanoTime(), "XADD");
		}
		catch (RedisCommandTimeoutException ex) {
			throw Commands.rejected(topic,
					what.get() + ": Redis did not acknowledge the XADD to stream '" + state.key + "' within the publish timeout"
							+ " of " + this.publishTimeout.toMillis() + " ms (if Redis got it, it may still be in the"
							+ " stream)",
					ex);
		}
		catch (RedisException ex) {
			throw Commands.rejected(topic, what.get() + ": Redis refused or lost the XADD to stream '" + state.key + "': "
					+ ex.getMessage(), ex);
		}
		state.published.increment();
		return STREAMED;
	}

	@Override
	public void open(String topic, LocalDelivery local) {
		if (!this.topics.test(topic)) {
			return;
		}
		checkOpen();
		TopicState state = topic(topic);
		synchronized (this.readers) {
			BroadcastReader reader = this.readers.get(topic);
			if (reader != null) {
				reader.add(local);
				return;
			}
			reader = new BroadcastReader(this, state, streamEnd(state), local);
			this.readers.put(topic, reader);
			reader.start();
		}
	}

	/** Where the stream ends now, or null if Redis does not answer: the reader then finds out itself. */
	private String streamEnd(TopicState state) {
		long deadline = System.nanoTime() + this.publishTimeoutNanos;
		try {
			return BroadcastReader.lastEntryId(shared(deadline), state.key, deadline - System.nanoTime());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (TimeoutException | RuntimeException ex) {
			Commands.logger.log(System.Logger.Level.WARNING, "Could not read where stream '" + state.key
					+ "' ends (" + ex + "); its reader starts from where it ends once Redis answers");
		}
		return null;
	}

	@Override
	public <E> Subscription subscribeGroup(String topic, Class<E> type, Consumer<? super E> handler,
			SubscriberOptions options) {
		if (!this.topics.test(topic)) {
			// the bus serves it, as the only member of its group in this process
			return null;
		}
		Objects.requireNonNull(options.group(), "options.group");
		checkOpen();
		TopicState state = topic(topic);
		GroupState group = group(state, options.group());
		String consumer = this.instanceId + "/" + options.name();
		group.join(consumer, options.name(), type);
		boolean created = false;
		long deadline = System.nanoTime() + this.publishTimeoutNanos;
		try {
			createGroup(shared(deadline), state, group.name, "$", deadline - System.nanoTime());
			created = true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (TimeoutException | RuntimeException ex) {
			Commands.logger.log(System.Logger.Level.WARNING, "Could not create group '" + group.name + "' on stream '"
					+ state.key + "' (" + ex + "); member '" + options.name() + "' creates it once Redis answers");
		}
		GroupMember member = new GroupMember(this, group, consumer, type, handler, options, created);
		this.members.add(member);
		member.start();
		return member;
	}

	/** Creates the group on the stream (and the stream) from the id, unless it exists. */
	void createGroup(RedisAsyncCommands<String, String> redis, TopicState topic, String group, String from,
			long timeoutNanos) throws InterruptedException {
		try {
			Commands.await(redis.xgroupCreate(XReadArgs.StreamOffset.from(topic.key, from), group,
					XGroupCreateArgs.Builder.mkstream(true)), timeoutNanos, "XGROUP CREATE");
		}
		catch (RedisException ex) {
			if (!Commands.busyGroup(ex)) {
				throw ex;
			}
		}
	}

	void removed(GroupMember member) {
		this.members.remove(member);
	}

	void started(StreamWorker worker) {
		this.live.add(worker);
	}

	void ended(StreamWorker worker) {
		this.live.remove(worker);
	}

	@Override
	public void stopIntake() {
		this.stopped = true;
		workers().forEach(StreamWorker::stop);
	}

	@Override
	public boolean awaitDrained(Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + Math.min(timeout.toNanos(), Long.MAX_VALUE / 4);
		while (true) {
			boolean busy = false;
			for (StreamWorker worker : workers()) {
				if (worker.busy()) {
					busy = true;
					break;
				}
			}
			if (!busy) {
				return true;
			}
			long left = deadline - System.nanoTime();
			if (left <= 0) {
				return false;
			}
			Thread.sleep(Math.max(1, Math.min(10, TimeUnit.NANOSECONDS.toMillis(left))));
		}
	}

	/**
	 * Interrupts the handlers under way and stops every reader and member at once. Returns the events
	 * they had read and not finished: nothing more is acknowledged, so these stay pending in Redis, and
	 * a member on another instance claims them after claim-idle.
	 */
	@Override
	public int abandonRemaining() {
		this.stopped = true;
		long abandoned = 0;
		for (StreamWorker worker : workers()) {
			abandoned += worker.abandon();
		}
		return (int) Math.min(Integer.MAX_VALUE, abandoned);
	}

	/**
	 * Stops everything at once, as {@link #abandonRemaining()} does, and closes the transport's
	 * connections (not the client). Shut the bus down first (it drains gracefully); publishing
	 * afterwards fails. Waits up to a couple of seconds for the threads to end.
	 */
	@Override
	public void close() {
		CompletableFuture<StatefulRedisConnection<String, String>> connection;
		synchronized (this.lock) {
			if (this.closed) {
				return;
			}
			this.closed = true;
			connection = this.shared;
		}
		abandonRemaining();
		List<StreamWorker> workers = new ArrayList<>(this.live);
		if (this.trimmer != null) {
			this.trimmer.shutdownNow();
		}
		List<CompletableFuture<?>> closing = new ArrayList<>();
		workers.forEach((worker) -> closing.add(worker.closeConnection()));
		if (connection != null) {
			closing.add(connection.thenCompose(StatefulRedisConnection::closeAsync));
		}
		// wait (a little) for the threads and the connections, so that a client shut down next finds
		// nothing of ours still closing
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
		try {
			for (StreamWorker worker : workers) {
				long left = deadline - System.nanoTime();
				if (left <= 0) {
					break;
				}
				worker.join(left);
			}
			CompletableFuture.allOf(closing.toArray(new CompletableFuture<?>[0]))
				.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (ExecutionException | TimeoutException ex) {
			Commands.logger.log(System.Logger.Level.DEBUG, "Connections still closing: " + ex);
		}
	}

	/** Whether Redis answers PING within the timeout, over the shared connection. */
	public boolean ping(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		try {
			return "PONG".equalsIgnoreCase(Commands.await(shared(deadline).ping(), deadline - System.nanoTime(), "PING"));
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
		return stats(this.publishTimeout);
	}

	/**
	 * Every topic's counters, and its members of groups, with the figures read from Redis now (one
	 * pipelined round trip per topic); a figure Redis did not give within the timeout is null.
	 */
	public List<RedisTopicStats> stats(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		List<RedisTopicStats> stats = new ArrayList<>();
		for (TopicState state : this.topicStates.values()) {
			StreamFigures figures = figures(state, deadline);
			List<RedisGroupStats> groupStats = new ArrayList<>();
			for (GroupMember member : this.members) {
				if (member.topic == state) {
					groupStats.add(member.groupStats(figures));
				}
			}
			stats.add(new RedisTopicStats(state.topic, state.key, figures.length(), state.published.sum(),
					state.received.sum(), state.malformed.sum(), state.deadLettered.sum(), state.trimHeld.sum(),
					state.trimmed.sum(), groupStats));
		}
		return stats;
	}

	/** The stream's figures, read now: XLEN and XINFO GROUPS, pipelined. */
	StreamFigures figures(TopicState state, long deadline) {
		Long length = null;
		Map<String, Long> pending = null;
		Map<String, Long> lag = null;
		try {
			RedisAsyncCommands<String, String> redis = shared(deadline);
			RedisFuture<Long> xlen = redis.xlen(state.key);
			RedisFuture<List<Object>> info = state.groups.isEmpty() ? null : redis.xinfoGroups(state.key);
			length = Commands.await(xlen, deadline - System.nanoTime(), "XLEN");
			if (info != null) {
				pending = new HashMap<>();
				lag = new HashMap<>();
				try {
					for (Object entry : Commands.await(info, deadline - System.nanoTime(), "XINFO GROUPS")) {
						Map<String, Object> fields = Commands.fields(entry);
						String name = String.valueOf(fields.get("name"));
						pending.put(name, Commands.number(fields.get("pending")));
						lag.put(name, Commands.number(fields.get("lag")));
					}
				}
				catch (RedisException ex) {
					if (length != 0) {
						throw ex;
					}
					// no stream, no groups: nothing pending, nothing behind
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (TimeoutException | RuntimeException ex) {
			Commands.logger.log(System.Logger.Level.DEBUG, "Could not read the figures of stream '" + state.key
					+ "': " + ex);
		}
		return new StreamFigures(length, pending, lag, System.nanoTime());
	}

	/** The stream's figures for metrics: read at most once a second, bounded by the publish timeout. */
	StreamFigures cachedFigures(TopicState state) {
		StreamFigures cached = state.cached();
		if (cached != null && System.nanoTime() - cached.readAt() < FIGURES_TTL_NANOS) {
			return cached;
		}
		StreamFigures fresh = figures(state, System.nanoTime() + this.publishTimeoutNanos);
		state.cache(fresh);
		return fresh;
	}

	/** Runs a trim pass over every stream this instance knows now; returns held entries per topic. */
	Map<String, Long> trimNow() throws InterruptedException {
		Map<String, Long> held = new HashMap<>();
		for (TopicState state : this.topicStates.values()) {
			try {
				long deadline = System.nanoTime() + this.workerTimeoutNanos;
				held.put(state.topic,
						Trimmer.trim(shared(deadline), state, this.maxLength, deadline - System.nanoTime()));
			}
			catch (TimeoutException | RuntimeException ex) {
				Commands.warn("trim:" + state.key, "Could not trim stream '" + state.key + "': " + ex, null);
			}
		}
		return held;
	}

	private void trimAll() {
		if (this.closed) {
			return;
		}
		try {
			trimNow();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (Throwable ex) {
			// the scheduler would cancel the task for good on an exception
			Commands.warn("trim", "The trimmer failed and goes on: " + ex, ex);
		}
	}

	/**
	 * The shared connection. It is connected on a thread of its own, so that the wait for it is
	 * bounded; a failed connect is tried again by the next caller. Lettuce reconnects it after a loss.
	 */
	private RedisAsyncCommands<String, String> shared(long deadline) throws InterruptedException, TimeoutException {
		CompletableFuture<StatefulRedisConnection<String, String>> connection;
		synchronized (this.lock) {
			if (this.closed) {
				throw new IllegalStateException("The Redis event transport is closed");
			}
			if (this.shared == null || this.shared.isCompletedExceptionally()) {
				this.shared = connect();
			}
			connection = this.shared;
		}
		try {
			return connection.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS).async();
		}
		catch (ExecutionException ex) {
			Throwable cause = ex.getCause();
			throw (cause instanceof RedisException redis) ? redis
					: new RedisConnectionException("Could not connect to Redis", cause);
		}
	}

	private CompletableFuture<StatefulRedisConnection<String, String>> connect() {
		CompletableFuture<StatefulRedisConnection<String, String>> connection = new CompletableFuture<>();
		Thread connector = new Thread(() -> {
			try {
				connection.complete(this.client.connect());
			}
			catch (Throwable ex) {
				connection.completeExceptionally(ex);
			}
		}, "sluice-redis-" + this.instanceId + "-connect");
		connector.setDaemon(true);
		connector.start();
		return connection;
	}

	private void checkOpen() {
		if (this.closed || this.stopped) {
			throw new IllegalStateException("The Redis event transport of instance '" + this.instanceId
					+ "' is shut down");
		}
	}

	private List<StreamWorker> workers() {
		List<StreamWorker> workers = new ArrayList<>(this.readers.values());
		workers.addAll(this.members);
		return workers;
	}

	TopicState topic(String topic) {
		TopicState state = this.topicStates.get(topic);
		if (state != null) {
			return state;
		}
		TopicState created = new TopicState(topic, this.keyPrefix);
		state = this.topicStates.putIfAbsent(topic, created);
		if (state != null) {
			return state;
		}
		this.listeners.forEach((listener) -> listener.topic(created));
		return created;
	}

	private GroupState group(TopicState topic, String name) {
		String key = topic.topic + '\u0000' + name;
		GroupState group = this.groups.get(key);
		if (group != null) {
			return group;
		}
		GroupState created = new GroupState(topic, name);
		group = this.groups.putIfAbsent(key, created);
		if (group != null) {
			return group;
		}
		topic.groups.add(created);
		this.listeners.forEach((listener) -> listener.group(created));
		return created;
	}

	/** Tells the listener of every topic and group now and later (a few may be told twice). */
	void listen(Listener listener) {
		this.listeners.add(listener);
		this.topicStates.values().forEach(listener::topic);
		this.groups.values().forEach(listener::group);
	}

	/** Hears of topics and groups as the transport meets them, for metrics. */
	interface Listener {

		void topic(TopicState topic);

		void group(GroupState group);
	}

	@Override
	public String toString() {
		return "RedisEventTransport[" + this.instanceId + ", " + this.topicStates.size() + " topics]";
	}

	/**
	 * Configures a {@link RedisEventTransport}; {@link #eventTypes} is required. Not thread-safe.
	 */
	public static final class Builder {

		private final RedisClient client;

		private String keyPrefix = "sluice:";

		private String instanceId;

		private EventTypes eventTypes;

		private JsonMapper jsonMapper;

		private Predicate<String> topics = (topic) -> true;

		private long maxLength;

		private int maxDeliveries = 5;

		private Duration claimIdle = Duration.ofSeconds(30);

		private Duration pollTimeout = Duration.ofSeconds(1);

		private int batchSize = 64;

		private Duration publishTimeout = Duration.ofSeconds(2);

		private Duration trimInterval = Duration.ofSeconds(1);

		private Builder(RedisClient client) {
			this.client = Objects.requireNonNull(client, "client");
		}

		/** What every key starts with; default {@code sluice:}. */
		public Builder keyPrefix(String keyPrefix) {
			if (keyPrefix == null) {
				throw new InvalidSettingException("key-prefix", keyPrefix, "key-prefix must not be null (it may be empty)");
			}
			this.keyPrefix = keyPrefix;
			return this;
		}

		/**
		 * This instance's id: it names the instance's consumers in groups ({@code instanceId/member})
		 * and is the {@code origin} of its events. Default: random, so a restarted instance is a new
		 * consumer (what the old one left pending is claimed after claim-idle).
		 */
		public Builder instanceId(String instanceId) {
			if (instanceId == null || instanceId.isBlank()) {
				throw new InvalidSettingException("instance-id", instanceId, "instance-id must not be blank");
			}
			this.instanceId = instanceId;
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

		/** Writes and reads the events' JSON; default {@code JsonMapper.builder().build()}. */
		public Builder jsonMapper(JsonMapper jsonMapper) {
			if (jsonMapper == null) {
				throw new InvalidSettingException("json-mapper", jsonMapper, "json-mapper must not be null");
			}
			this.jsonMapper = jsonMapper;
			return this;
		}

		/** Which topics go through Redis; the others are delivered in this process only. Default all. */
		public Builder topics(Predicate<String> topics) {
			if (topics == null) {
				throw new InvalidSettingException("topics", topics, "topics must not be null; leave it out for all topics");
			}
			this.topics = topics;
			return this;
		}

		/**
		 * Keeps each stream near this many entries, never trimming what a group still needs. Default:
		 * no trimming (streams grow until trimmed otherwise).
		 */
		public Builder maxLength(long maxLength) {
			if (maxLength < 1) {
				throw new InvalidSettingException("max-length", maxLength, "max-length must be at least 1, was " + maxLength);
			}
			this.maxLength = maxLength;
			return this;
		}

		/** How many times a group delivers an event before it goes to the dead-letter stream; default 5. */
		public Builder maxDeliveries(int maxDeliveries) {
			if (maxDeliveries < 1) {
				throw new InvalidSettingException("max-deliveries", maxDeliveries, "max-deliveries must be at least 1, was " + maxDeliveries);
			}
			this.maxDeliveries = maxDeliveries;
			return this;
		}

		/**
		 * How long an event must have been pending, unacknowledged, before a member may take it over:
		 * longer than a member takes over one batch, or events are handled twice. Default 30 seconds.
		 */
		public Builder claimIdle(Duration claimIdle) {
			requirePositive("claim-idle", claimIdle);
			this.claimIdle = claimIdle;
			return this;
		}

		/**
		 * How long one read waits in Redis for new entries (XREAD BLOCK); it bounds how fast a stop is
		 * seen. Default 1 second. Keep it well under the client's command timeout.
		 */
		public Builder pollTimeout(Duration pollTimeout) {
			requirePositive("poll-timeout", pollTimeout);
			if (pollTimeout.compareTo(Duration.ofMinutes(5)) > 0) {
				throw new InvalidSettingException("poll-timeout", pollTimeout, "poll-timeout must be at most 5 minutes, was " + pollTimeout);
			}
			this.pollTimeout = pollTimeout;
			return this;
		}

		/** How many entries one read takes at most; default 64. */
		public Builder batchSize(int batchSize) {
			if (batchSize < 1 || batchSize > 10_000) {
				throw new InvalidSettingException("batch-size", batchSize, "batch-size must be between 1 and 10000, was " + batchSize);
			}
			this.batchSize = batchSize;
			return this;
		}

		/**
		 * How long a publish waits for Redis to acknowledge the XADD (and subscribe for the group to be
		 * created) before it fails; default 2 seconds.
		 */
		public Builder publishTimeout(Duration publishTimeout) {
			requirePositive("publish-timeout", publishTimeout);
			this.publishTimeout = publishTimeout;
			return this;
		}

		/** How often the streams are trimmed, with {@link #maxLength}; default 1 second. */
		public Builder trimInterval(Duration trimInterval) {
			requirePositive("trim-interval", trimInterval);
			this.trimInterval = trimInterval;
			return this;
		}

		/** Longest of the transport's durations: a day is far beyond any useful wait or interval. */
		private static final Duration MAX_DURATION = Duration.ofDays(1);

		private static void requirePositive(String name, Duration value) {
			if (value == null || value.compareTo(Duration.ofMillis(1)) < 0 || value.compareTo(MAX_DURATION) > 0) {
				throw new InvalidSettingException(name, value, name + " must be a duration from 1ms to " + MAX_DURATION.toDays()
						+ " day (such as 500ms), was " + value);
			}
		}

		/**
		 * The transport. It starts connecting to Redis in the background and does not wait for it, so it
		 * can be built while Redis is down.
		 * @throws IllegalStateException if no event types were given
		 */
		public RedisEventTransport build() {
			if (this.eventTypes == null) {
				throw new IllegalStateException("event-types must be set: the allow-list of the event types that may"
						+ " travel between instances (EventTypes.builder().register(\"order-placed\", OrderPlaced.class))");
			}
			if (this.jsonMapper == null) {
				this.jsonMapper = JsonMapper.builder().build();
			}
			return new RedisEventTransport(this);
		}
	}
}
