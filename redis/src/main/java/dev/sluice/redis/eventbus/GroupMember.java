package dev.sluice.redis.eventbus;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

import dev.sluice.eventbus.Delivery;
import dev.sluice.eventbus.SubscriberOptions;
import dev.sluice.eventbus.SubscriberStats;
import dev.sluice.eventbus.Subscription;
import dev.sluice.redis.eventbus.MemberCounts.Outcome;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.XPendingArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.models.stream.ClaimedMessages;
import io.lettuce.core.models.stream.PendingMessage;
import org.jspecify.annotations.Nullable;

/**
 * One member of a consumer group: a thread that reads new entries of the group
 * (XREADGROUP {@code >}), runs the handler on each, and acknowledges each one after its
 * handler returned normally; every half claim-idle it also takes over the entries that
 * have been pending idle for claim-idle (XAUTOCLAIM), its own failed ones included, and
 * handles them the same way, or dead-letters those already delivered max-deliveries
 * times.
 *
 * <p>
 * The handler runs on the member's thread, one event at a time, in the order read. An
 * entry is acknowledged only after its handler returned normally, so each is handled at
 * least once. An entry of another type than the member's (its group has members of
 * another type elsewhere) is dead-lettered with reason {@code type-mismatch}, not
 * acknowledged unhandled, which would lose it for the group. A group that Redis lost is
 * created again from the last entry this member read. Stop and drain as in
 * {@link StreamWorker}: the member is busy from the start of a read or claim until the
 * batch's acknowledgements are awaited, so that {@link RedisEventTransport#awaitDrained}
 * does not report done while it still has work.
 */
final class GroupMember extends StreamWorker implements Subscription {

	/*
	 * Design notes. Acknowledgements are sent as each handler returns and awaited at the
	 * end of the batch, so the next handler does not wait for a round trip; one that is
	 * lost leaves its entry pending, to be handled again (at least once). Counters are in
	 * MemberCounts, so that stats() reads them together; everything else but the flags is
	 * confined to the thread.
	 *
	 * Lost group. The group is created at subscribe time from `$` (only events published
	 * from then on). If Redis says it is gone (NOGROUP: destroyed while the stream
	 * survived, or lost with the stream in a restart without persistence), the member
	 * creates it again from the last id it read as a new entry (`lastRead`), or from `$`
	 * if it has read none yet. Where the stream survived, that goes on right after what
	 * this member had read, and re-delivers nothing it had read (what other members read
	 * past it is delivered again: at least once); where the stream is gone, every entry
	 * of the new stream is newer than that id, so none is missed. What was pending in the
	 * lost group is not delivered again: Redis dropped it with the group.
	 *
	 * Other types. Every member of a group must take the same event type, on every
	 * instance: each entry goes to one member only. An entry whose event is not of this
	 * member's type cannot be handled here; it is dead-lettered (naming the type this
	 * member expects), counted as dead-lettered, and a warning is logged (rate-limited).
	 *
	 * Stop and drain. Once stopping, the member starts no read and no claim. A read or
	 * claim under way when the stop came is finished: its entries are handled and
	 * acknowledged (unless the member is closed or abandoned meanwhile), and the member
	 * counts as busy from the start of the read, through the XPENDING of a claim, until
	 * the batch's acknowledgements are awaited.
	 */

	private static final int RECLAIM_ROUNDS = 16;

	/**
	 * How the reason of a dead letter for an entry of another type than the member's
	 * begins.
	 */
	static final String TYPE_MISMATCH = "type-mismatch";

	final GroupState group;

	final String member;

	final String consumer;

	private final Class<?> type;

	private final Consumer<Object> handler;

	private final SubscriberOptions options;

	private final io.lettuce.core.Consumer<String> me;

	/** Where to create the group from if it has to be; null once it is known to exist. */
	private @Nullable String createFrom;

	/**
	 * The id of the last new entry this member read (XREADGROUP {@code >}), or null if
	 * none yet.
	 */
	private @Nullable String lastRead;

	private long nextReclaim = System.nanoTime();

	private volatile boolean closed;

	private final MemberCounts counts = new MemberCounts();

	@SuppressWarnings("unchecked")
	GroupMember(WorkerContext context, GroupState group, String consumer, Class<?> type, Consumer<?> handler,
			SubscriberOptions options, boolean groupCreated) {
		super(context, group.topic, "sluice-redis-" + context.settings().instanceId() + "-" + group.topic.topic + "-"
				+ group.name + "-" + options.name());
		this.group = group;
		this.member = options.name();
		this.consumer = consumer;
		this.type = type;
		this.handler = (Consumer<Object>) handler;
		this.options = options;
		this.me = io.lettuce.core.Consumer.from(group.name, consumer);
		this.createFrom = groupCreated ? null : "$";
	}

	@Override
	@SuppressWarnings("unchecked") // the generic varargs of xreadgroup
	void round(RedisAsyncCommands<String, String> redis) throws InterruptedException {
		if (this.createFrom != null) {
			Commands.createGroup(redis, this.topic.key, this.group.name, this.createFrom,
					this.settings.workerTimeoutNanos());
			this.createFrom = null;
		}
		if (System.nanoTime() - this.nextReclaim >= 0) {
			reclaim(redis);
			this.nextReclaim = System.nanoTime() + this.settings.reclaimEveryNanos();
		}
		if (!startRead()) {
			return;
		}
		List<StreamMessage<String, String>> batch = Commands.await(
				redis.xreadgroup(this.me,
						XReadArgs.Builder.block(this.settings.pollTimeout()).count(this.settings.batchSize()),
						XReadArgs.StreamOffset.lastConsumed(this.topic.key)),
				this.settings.readTimeoutNanos(),
				"XREADGROUP of group '" + this.group.name + "' on stream '" + this.topic.key + "'");
		if (batch == null || batch.isEmpty()) {
			this.phase = Phase.IDLE;
			return;
		}
		this.lastRead = batch.get(batch.size() - 1).getId();
		handle(redis, batch, null);
	}

	/**
	 * Takes over entries left idle for claim-idle, a batch at a time, until none is left.
	 */
	private void reclaim(RedisAsyncCommands<String, String> redis) throws InterruptedException {
		String cursor = "0-0";
		for (int round = 0; round < RECLAIM_ROUNDS; round++) {
			if (!startRead()) {
				return;
			}
			ClaimedMessages<String, String> claimed = Commands.await(
					redis.xautoclaim(this.topic.key,
							XAutoClaimArgs.Builder.xautoclaim(this.me, this.settings.claimIdle(), cursor)
								.count(this.settings.batchSize())),
					this.settings.workerTimeoutNanos(),
					"XAUTOCLAIM of group '" + this.group.name + "' on stream '" + this.topic.key + "'");
			if (claimed == null) {
				this.phase = Phase.IDLE;
				return;
			}
			// Redis 7 lists the ids of entries deleted from the stream apart and drops
			// them from the
			// group's pending list; Lettuce leaves them out. Skip any entry without a
			// body all the same.
			List<StreamMessage<String, String>> messages = new ArrayList<>();
			for (StreamMessage<String, String> message : claimed.getMessages()) {
				if (message != null && message.getId() != null && message.getBody() != null) {
					messages.add(message);
				}
			}
			if (messages.isEmpty()) {
				this.phase = Phase.IDLE;
			}
			else {
				// claimed: this member now owns them, so it stays busy through the
				// XPENDING round trip
				this.phase = Phase.HANDLING;
				Map<String, Long> deliveries = deliveries(redis, messages);
				this.counts.reclaimed(messages.size());
				this.group.reclaimed.add(messages.size());
				handle(redis, messages, deliveries);
			}
			cursor = claimed.getId();
			if (cursor == null || "0-0".equals(cursor)) {
				return;
			}
		}
	}

	/**
	 * How often each claimed entry has been delivered, the claim included (pipelined
	 * XPENDING).
	 */
	private Map<String, Long> deliveries(RedisAsyncCommands<String, String> redis,
			List<StreamMessage<String, String>> messages) throws InterruptedException {
		List<RedisFuture<List<PendingMessage>>> futures = new ArrayList<>(messages.size());
		for (StreamMessage<String, String> message : messages) {
			futures.add(redis.xpending(this.topic.key,
					new XPendingArgs<String>().group(this.group.name)
						.range(Range.create(message.getId(), message.getId()))
						.limit(Limit.from(1))));
		}
		long deadline = System.nanoTime() + this.settings.workerTimeoutNanos();
		Map<String, Long> counts = new HashMap<>();
		for (RedisFuture<List<PendingMessage>> future : futures) {
			// Lettuce answers XPENDING with a list, empty if nothing is pending
			for (PendingMessage pending : Objects.requireNonNull(Commands.await(future, deadline - System.nanoTime(),
					"XPENDING of group '" + this.group.name + "'"))) {
				counts.put(pending.getId(), pending.getRedeliveryCount());
			}
		}
		return counts;
	}

	/**
	 * Handles a batch in order. {@code deliveries} is null for new entries (delivered
	 * once, now), else the delivery counts of claimed ones. What is not settled when it
	 * returns (closed, abandoned, or a Redis failure mid-batch) stays pending and counts
	 * as left.
	 */
	private void handle(RedisAsyncCommands<String, String> redis, List<StreamMessage<String, String>> batch,
			@Nullable Map<String, Long> deliveries) throws InterruptedException {
		this.phase = Phase.HANDLING;
		this.counts.read(batch.size());
		List<RedisFuture<Long>> acks = new ArrayList<>();
		try {
			for (StreamMessage<String, String> message : batch) {
				if (this.closed || this.abandoned) {
					return;
				}
				long count = 1;
				if (deliveries != null) {
					Long known = deliveries.get(message.getId());
					if (known == null) {
						// acknowledged by the member it was taken from, after all: it is
						// done
						settle(Outcome.SKIPPED, 0);
						continue;
					}
					count = known;
				}
				handleOne(redis, message, count, acks);
			}
		}
		finally {
			this.counts.leaveInFlight();
			if (!this.abandoned) {
				awaitAcks(acks);
			}
			this.phase = Phase.IDLE;
		}
	}

	private void handleOne(RedisAsyncCommands<String, String> redis, StreamMessage<String, String> message,
			long deliveries, List<RedisFuture<Long>> acks) throws InterruptedException {
		String id = message.getId();
		Wire.Decoded decoded;
		try {
			decoded = this.context.wire().decode(message.getBody());
		}
		catch (VirtualMachineError ex) {
			throw ex;
		}
		catch (Throwable ex) {
			// not the entry's fault, as far as anyone can tell (a failed event class
			// initialiser, say):
			// handled as a handler failure, pending to be retried, elsewhere maybe, until
			// max-deliveries
			if (deliveries > this.settings.maxDeliveries()) {
				giveUpAfterMaxDeliveries(redis, message, deliveries, "it could not be decoded: " + ex);
				return;
			}
			settle(Outcome.FAILED, 0);
			this.log.warn("decode:" + this.topic.key + ":" + this.group.name,
					"Member '" + this.member + "' of group '" + this.group.name + "' could not decode entry " + id
							+ " of stream '" + this.topic.key + "' (delivery " + deliveries + " of "
							+ this.settings.maxDeliveries() + "); it stays pending and is retried after"
							+ " claim-idle: " + ex,
					ex);
			return;
		}
		if (decoded.malformed() != null) {
			this.topic.malformed.increment();
			this.log.warn("malformed:" + this.topic.key + ":" + this.group.name,
					"Entry " + id + " of stream '" + this.topic.key + "' is not an event this instance can read ("
							+ decoded.malformed() + "); group '" + this.group.name + "' dead-letters it to '"
							+ this.topic.deadKey + "'",
					null);
			giveUp(redis, message, decoded.malformed(), deliveries,
					decoded.oversize() ? Letter.ONCE_WITHOUT_FIELDS : Letter.ONCE);
			return;
		}
		// not malformed, so it has its event
		Object event = Objects.requireNonNull(decoded.event());
		if (!this.type.isInstance(event)) {
			String reason = TYPE_MISMATCH + ": member '" + this.member + "' of group '" + this.group.name
					+ "' takes events of type " + this.type.getName() + ", not '" + message.getBody().get(Wire.TYPE)
					+ "' (" + event.getClass().getName() + "); every member of a group, on every instance,"
					+ " must take the same type";
			this.log.warn("type-mismatch:" + this.topic.key + ":" + this.group.name, "Entry " + id + " of stream '"
					+ this.topic.key + "' goes to the dead-letter stream '" + this.topic.deadKey + "': " + reason,
					null);
			giveUp(redis, message, reason, deliveries, Letter.PER_GROUP);
			return;
		}
		if (deliveries > this.settings.maxDeliveries()) {
			giveUpAfterMaxDeliveries(redis, message, deliveries,
					"its handlers failed, or their members stopped, each time");
			return;
		}
		try {
			// its id (the publisher's, or the entry's) and which delivery this is
			new Delivery(decoded.eventIdOr(id), (int) Math.min(Integer.MAX_VALUE, Math.max(1, deliveries)),
					decoded.headers())
				.handle(this.handler, event);
		}
		catch (Throwable ex) {
			clearStrayInterrupt();
			settle(Outcome.FAILED, 0);
			logFailure(id, deliveries, ex);
			return;
		}
		// a handler that left the interrupt flag set must not cut short the next wait, or
		// handler
		clearStrayInterrupt();
		if (this.abandoned) {
			// reported as abandoned: it stays pending and is handled again elsewhere
			return;
		}
		acks.add(redis.xack(this.topic.key, this.group.name, id));
		long nanos = (decoded.timestamp() > 0)
				? Math.max(0, System.currentTimeMillis() - decoded.timestamp()) * 1_000_000L : 0;
		settle(Outcome.DELIVERED, nanos);
	}

	private void giveUpAfterMaxDeliveries(RedisAsyncCommands<String, String> redis,
			StreamMessage<String, String> message, long deliveries, String why) throws InterruptedException {
		String reason = "not handled in " + (deliveries - 1) + " deliveries (max-deliveries "
				+ this.settings.maxDeliveries() + "): " + why;
		this.log.log(Level.WARNING,
				"Event " + message.getId() + " of topic '" + this.topic.topic + "' goes to the dead-letter stream '"
						+ this.topic.deadKey + "' for group '" + this.group.name + "': " + reason);
		giveUp(redis, message, reason, deliveries - 1, Letter.PER_GROUP);
	}

	/** How an entry a group gives up on is dead-lettered. */
	private enum Letter {

		/** The group's own letter: its handlers failed, or it takes another type. */
		PER_GROUP,
		/** Malformed: one letter per stream, whoever meets it first. */
		ONCE,
		/** Larger than max-event-size: once, and without the original fields. */
		ONCE_WITHOUT_FIELDS

	}

	/**
	 * Dead-letters the entry (unless, malformed, it has its letter already), then
	 * acknowledges it: a letter that was not written keeps it pending.
	 */
	private void giveUp(RedisAsyncCommands<String, String> redis, StreamMessage<String, String> message, String reason,
			long deliveries, Letter letter) throws InterruptedException {
		if (letter == Letter.PER_GROUP) {
			deadLetter(redis, message.getId(), message.getBody(), reason, this.group.name, deliveries);
		}
		else {
			deadLetterOnce(redis, message.getId(), (letter == Letter.ONCE) ? message.getBody() : null, reason,
					this.group.name, deliveries);
		}
		this.group.deadLettered.increment();
		settle(Outcome.DEAD_LETTERED, 0);
		Commands.await(redis.xack(this.topic.key, this.group.name, message.getId()), this.settings.workerTimeoutNanos(),
				"XACK of a dead-lettered entry");
	}

	private void awaitAcks(List<RedisFuture<Long>> acks) throws InterruptedException {
		long deadline = System.nanoTime() + this.settings.workerTimeoutNanos();
		for (RedisFuture<Long> ack : acks) {
			try {
				Commands.await(ack, deadline - System.nanoTime(), "XACK");
			}
			catch (RuntimeException ex) {
				this.log.warn("ack:" + this.topic.key + ":" + this.group.name,
						"Group '" + this.group.name + "' could not acknowledge handled events of stream '"
								+ this.topic.key + "'; they stay pending and will be handled again: " + ex,
						null);
				return;
			}
		}
	}

	private void settle(Outcome outcome, long nanos) {
		this.counts.settle(outcome, nanos);
		if (outcome == Outcome.DELIVERED) {
			this.group.delivered.increment();
		}
		else if (outcome == Outcome.FAILED) {
			this.group.failed.increment();
		}
	}

	private void logFailure(String id, long deliveries, Throwable ex) {
		this.log.log(Level.WARNING,
				"Member '" + this.member + "' of group '" + this.group.name + "' on topic '" + this.topic.topic
						+ "' failed on event " + id + " (delivery " + deliveries + " of "
						+ this.settings.maxDeliveries() + "); it stays pending and is retried after claim-idle",
				ex);
	}

	@Override
	void failed(Throwable ex) {
		if (Commands.noGroup(ex)) {
			// see the class notes: where this member left off, or the stream's end if it
			// read nothing yet
			this.createFrom = (this.lastRead != null) ? this.lastRead : "$";
			this.log.log(Level.WARNING,
					"Group '" + this.group.name + "' of stream '" + this.topic.key
							+ "' is gone (Redis lost it, or it was destroyed); member '" + this.member
							+ "' creates it again from "
							+ ((this.lastRead != null) ? "the last entry it read, " + this.lastRead
									: "the stream's end (it has read nothing yet)")
							+ "; what was pending in the group is not delivered again");
		}
	}

	@Override
	void finish() {
		this.group.leave(this.consumer);
		this.context.workers().removed(this);
		if (this.abandoned) {
			return;
		}
		// a member that leaves with nothing pending leaves no trace in the group; one
		// with pending
		// entries stays, so that they can be claimed (deleting it would drop them from
		// the group)
		try {
			RedisAsyncCommands<String, String> redis = openConnection();
			if (redis == null) {
				return;
			}
			List<PendingMessage> pending = Objects.requireNonNull(Commands.await(redis.xpending(this.topic.key,
					new XPendingArgs<String>().group(this.group.name)
						.consumer(this.me)
						.range(Range.unbounded())
						.limit(Limit.from(1))),
					this.settings.publishTimeoutNanos(), "XPENDING"));
			if (pending.isEmpty()) {
				Commands.await(redis.xgroupDelconsumer(this.topic.key, this.me), this.settings.publishTimeoutNanos(),
						"XGROUP DELCONSUMER");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (RuntimeException ex) {
			this.log.log(Level.DEBUG,
					"Could not remove consumer '" + this.consumer + "' from group '" + this.group.name + "': " + ex);
		}
	}

	@Override
	int inFlight() {
		return this.counts.inFlight();
	}

	@Override
	public String topic() {
		return this.topic.topic;
	}

	@Override
	public String name() {
		return this.member;
	}

	/**
	 * The member's counters in the bus's shape: offered is every delivery to this member
	 * (a redelivery counts again) but for claimed entries found acknowledged already;
	 * delivered and failed are the handler's outcomes (failed also counts entries it
	 * could not decode); discarded is what it dead-lettered (malformed, of another type,
	 * or after max-deliveries) or left pending unhandled when it was closed or abandoned;
	 * queued is what it has read and not settled; buffer is the batch size. Nothing is
	 * dropped for overflow: the stream is the buffer.
	 */
	@Override
	public SubscriberStats stats() {
		return this.counts.subscriberStats(this.topic.topic, this.member, this.settings.batchSize(),
				this.options.overflow());
	}

	/** The member's counters with the group's figures from Redis. */
	RedisGroupStats groupStats(StreamFigures figures) {
		Long pending = (figures != null && figures.pending() != null) ? figures.pending().get(this.group.name) : null;
		Long lag = (figures != null && figures.lag() != null) ? figures.lag().get(this.group.name) : null;
		return this.counts.groupStats(this.topic.topic, this.group.name, this.member, this.consumer, pending, lag);
	}

	/**
	 * Leaves the group: the member reads no more, lets the handler finish the event it is
	 * on (and acknowledges it), and leaves the rest of what it read pending, for another
	 * member to claim after claim-idle. Does not block; closing twice does nothing.
	 */
	@Override
	public void close() {
		if (this.closed) {
			return;
		}
		this.closed = true;
		this.group.leave(this.consumer);
		stop();
	}

	@Override
	public String toString() {
		return "GroupMember[" + this.topic.topic + "/" + this.group.name + "/" + this.member + "]";
	}

}
