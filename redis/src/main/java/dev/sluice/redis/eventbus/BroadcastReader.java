package dev.sluice.redis.eventbus;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.sluice.eventbus.Delivery;
import dev.sluice.eventbus.EventRejectedException;
import dev.sluice.eventbus.EventTransport.LocalDelivery;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;
import org.jspecify.annotations.Nullable;

/**
 * Reads one topic's stream for this instance's plain subscribers: XREAD from where it
 * left off, in stream order, handing each event to the bus ({@link LocalDelivery}), whose
 * buffers and overflow policies then apply. A bus that makes it wait (overflow
 * {@code block}) slows the reader, not Redis.
 *
 * <p>
 * Broadcast is live: the reader starts at the stream's end when the topic was opened, and
 * after a lost connection goes on from the last entry it handed over, so it misses
 * nothing the stream still holds, and counts what was trimmed before it read it. An entry
 * it cannot read is counted by every instance that reads it and dead-lettered once per
 * stream.
 */
final class BroadcastReader extends StreamWorker {

	/*
	 * Design notes. `lastId` (the last entry handed over) is confined to the reader's
	 * thread; it starts at the stream's last entry when the topic was opened, so what was
	 * published before, or while this instance was not reading, is not replayed.
	 * Malformed entries are dead-lettered once per stream: whichever reader or group
	 * member, on any instance, meets one first writes its letter (with its `instance`),
	 * the others see the marker and write none; so is an entry whose decoding throws (an
	 * Error from the event class, say), since broadcast has no second delivery. `locals`
	 * is copy-on-write: buses that share this transport add themselves while it reads.
	 * Stop and drain as in StreamWorker: no read starts once stopping; a batch read
	 * before is handed over before the reader is idle.
	 */

	private final List<LocalDelivery> locals = new CopyOnWriteArrayList<>();

	/**
	 * The last entry handed over, or null until the first round finds where the stream
	 * ends.
	 */
	private @Nullable String lastId;

	/**
	 * How many entries the stream had ever been given up to and including {@link #lastId}
	 * (Redis 7's {@code entries-added} count), or -1 while unknown (Redis before 7, or
	 * before the first round found where the stream ends): what lets the reader count the
	 * entries trimmed before it read them.
	 */
	private long position;

	/**
	 * Lossless broadcast: registers the reader's last id and renews its liveness, in
	 * Redis's time.
	 */
	private static final String REGISTER = """
			local t = redis.call('TIME')
			local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
			redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
			redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
			return 1
			""";

	/** Whether this reader's position holds the trim (lossless broadcast). */
	private final boolean holdsTrim;

	/** Entries this reader missed in all, for the warning. */
	private long missedInAll;

	/** Entries of the current batch not yet handed over; written by the reader only. */
	private volatile int inFlight;

	BroadcastReader(WorkerContext context, TopicState topic, @Nullable StreamEnd start, LocalDelivery local) {
		super(context, topic, "sluice-redis-" + context.settings().instanceId() + "-" + topic.topic + "-broadcast");
		this.lastId = (start != null) ? start.lastId() : null;
		this.position = (start != null) ? start.entriesAdded() : -1;
		this.locals.add(local);
		this.holdsTrim = this.settings.losslessBroadcast() && this.settings.trims();
	}

	void add(LocalDelivery local) {
		this.locals.add(local);
	}

	@Override
	@SuppressWarnings("unchecked") // the generic varargs of xread
	void round(RedisAsyncCommands<String, String> redis) throws InterruptedException {
		if (this.lastId == null) {
			// the topic was opened while Redis did not answer: start from the stream's
			// end as it is now
			StreamEnd end = streamEnd(redis, this.topic.key, this.settings.workerTimeoutNanos());
			this.lastId = end.lastId();
			this.position = end.entriesAdded();
		}
		if (this.holdsTrim && !this.topic.registered) {
			register(redis, this.lastId);
		}
		if (!startRead()) {
			return;
		}
		List<StreamMessage<String, String>> batch = Commands.await(
				redis.xread(XReadArgs.Builder.block(this.settings.pollTimeout()).count(this.settings.batchSize()),
						XReadArgs.StreamOffset.from(this.topic.key, this.lastId)),
				this.settings.readTimeoutNanos(), "XREAD of stream '" + this.topic.key + "'");
		if (batch == null || batch.isEmpty()) {
			this.phase = Phase.IDLE;
			return;
		}
		this.phase = Phase.HANDLING;
		this.inFlight = batch.size();
		countMissed(redis, batch);
		try {
			for (StreamMessage<String, String> message : batch) {
				if (this.abandoned) {
					return;
				}
				handle(redis, message);
				this.lastId = message.getId();
				this.inFlight--;
			}
			if (this.holdsTrim) {
				// what the subscribers have now may go; a failure fails the round after
				// the batch, and the next batch registers again
				register(redis, Objects.requireNonNull(this.lastId));
			}
		}
		finally {
			this.inFlight = 0;
			this.phase = Phase.IDLE;
		}
	}

	private void handle(RedisAsyncCommands<String, String> redis, StreamMessage<String, String> message)
			throws InterruptedException {
		Wire.Decoded decoded;
		try {
			decoded = this.context.wire().decode(message.getBody());
		}
		catch (VirtualMachineError ex) {
			throw ex;
		}
		catch (Throwable ex) {
			// not the entry's fault as far as anyone can tell (a failed event class
			// initialiser, say);
			// broadcast has no second delivery, so the entry is kept in the dead-letter
			// stream
			String reason = "could not be decoded on this instance: " + ex;
			this.log.warn("decode:" + this.topic.key, "Entry " + message.getId() + " of stream '" + this.topic.key
					+ "' " + reason + "; it goes to the dead-letter stream '" + this.topic.deadKey + "'", ex);
			deadLetterOnce(redis, message.getId(), message.getBody(), reason, null, 0);
			return;
		}
		if (decoded.malformed() != null) {
			this.topic.malformed.increment();
			this.log.warn("malformed:" + this.topic.key,
					"Entry " + message.getId() + " of stream '" + this.topic.key
							+ "' is not an event this instance can read (" + decoded.malformed()
							+ "); it goes to the dead-letter stream '" + this.topic.deadKey + "' (once per stream)",
					null);
			deadLetterOnce(redis, message.getId(), decoded.oversize() ? null : message.getBody(), decoded.malformed(),
					null, 0);
			return;
		}
		// not malformed, so it has its event
		Object event = Objects.requireNonNull(decoded.event());
		this.topic.received.increment();
		// broadcast delivers once: its id is the publisher's, or the entry's
		Delivery delivery = new Delivery(decoded.eventIdOr(message.getId()), 1, decoded.headers());
		for (LocalDelivery local : this.locals) {
			try {
				local.deliver(this.topic.topic, event, delivery);
			}
			catch (EventRejectedException ex) {
				// a subscriber under fail or block refused it: the bus counted that as
				// rejected
				// its type allows a null message, though every constructor of this
				// exception takes one
				this.log.log(Level.DEBUG, String.valueOf(ex.getMessage()));
			}
			catch (VirtualMachineError ex) {
				throw ex;
			}
			catch (RuntimeException | Error ex) {
				this.log.warn("deliver:" + this.topic.key, "Handing entry " + message.getId() + " of stream '"
						+ this.topic.key + "' to this instance's subscribers failed; the reader goes on", ex);
			}
			// the bus must not leave the flag set, but if it does, the next wait must not
			// end because of it
			clearStrayInterrupt();
		}
	}

	private void register(RedisAsyncCommands<String, String> redis, String id) throws InterruptedException {
		register(redis, this.topic, this.settings, id, this.settings.workerTimeoutNanos());
	}

	/**
	 * Registers the topic's reader's last id for lossless broadcast, and renews its
	 * liveness for reader-ttl; marks the topic registered.
	 */
	static void register(RedisAsyncCommands<String, String> redis, TopicState topic, RedisStreamSettings settings,
			String id, long timeoutNanos) throws InterruptedException {
		Commands.await(
				redis.<Long>eval(REGISTER, ScriptOutputType.INTEGER, new String[] { topic.readersKey, topic.aliveKey },
						Objects.requireNonNull(settings.instanceId()), id,
						Long.toString(settings.readerTtl().toMillis())),
				timeoutNanos, "Registering the broadcast reader of stream '" + topic.key + "'");
		topic.registered = true;
	}

	/**
	 * As it ends, a reader that holds the trim lets go of it, so that a stopped instance
	 * does not hold the stream until its reader-ttl runs out.
	 */
	@Override
	void finish() {
		if (!this.holdsTrim || !this.topic.registered) {
			return;
		}
		this.topic.registered = false;
		RedisAsyncCommands<String, String> redis = openConnection();
		if (redis == null) {
			// its registration runs out after reader-ttl
			return;
		}
		String instance = Objects.requireNonNull(this.settings.instanceId());
		try {
			redis.zrem(this.topic.aliveKey, instance);
			Commands.await(redis.hdel(this.topic.readersKey, instance), this.settings.workerTimeoutNanos(),
					"HDEL of the broadcast reader of stream '" + this.topic.key + "'");
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (RuntimeException ex) {
			this.log.log(Level.DEBUG, "Could not unregister the broadcast reader of stream '" + this.topic.key
					+ "'; its registration runs out after reader-ttl: " + ex);
		}
	}

	@Override
	int inFlight() {
		return this.inFlight;
	}

	/**
	 * Counts the entries between {@link #lastId} and the batch that were trimmed before
	 * this reader read them, and moves {@link #position} past the batch. Trimming removes
	 * the oldest entries only, so the stream holds the entries numbered
	 * {@code entries-added - length + 1} to {@code entries-added}: if more entries were
	 * removed than this reader had read, the difference up to the batch was trimmed
	 * unread. XINFO STREAM comes after the XREAD, so more may have been trimmed since,
	 * the batch's own entries too: the stream's first entry, if it is in the batch, tells
	 * where the batch starts; if the whole batch is gone, what was trimmed after it is
	 * counted now rather than on the next round. A figure Redis does not give (before
	 * Redis 7) leaves the count unknown; a failed XINFO fails the round, and the batch is
	 * read again.
	 */
	private void countMissed(RedisAsyncCommands<String, String> redis, List<StreamMessage<String, String>> batch)
			throws InterruptedException {
		long batchSize = batch.size();
		if (this.position < 0) {
			return;
		}
		Map<String, Object> info;
		try {
			info = Commands.fields(Objects.requireNonNull(Commands.await(redis.xinfoStream(this.topic.key),
					this.settings.workerTimeoutNanos(), "XINFO STREAM of '" + this.topic.key + "'")));
		}
		catch (RedisCommandExecutionException ex) {
			if (!noSuchKey(ex)) {
				throw ex;
			}
			// deleted since the read: a stream made again counts its entries from 0
			this.position = 0;
			return;
		}
		// any other failure fails the round before the batch is handed over: the next
		// round reads it again from lastId
		Long added = Commands.number(info.get("entries-added"));
		Long length = Commands.number(info.get("length"));
		if (added == null || length == null) {
			this.position = -1;
			return;
		}
		if (added < this.position) {
			// the stream was made again (a restart without persistence): every entry of
			// the new one is after the last this reader read
			this.position = 0;
		}
		long removed = added - length;
		long missed = 0;
		if (removed > this.position) {
			String first = firstEntryId(info.get("first-entry"));
			int at = -1;
			for (int i = 0; i < batch.size(); i++) {
				if (batch.get(i).getId().equals(first)) {
					at = i;
					break;
				}
			}
			// entry number of the batch's first entry: from the stream's first entry if
			// it is in the batch, else the batch was trimmed too and ends at `removed`
			long batchStart = (at >= 0) ? removed + 1 - at : removed - batchSize + 1;
			missed = Math.max(0, batchStart - this.position - 1);
		}
		this.position += missed + batchSize;
		if (missed > 0) {
			this.topic.missed.add(missed);
			this.missedInAll += missed;
			this.log.warn("missed:" + this.topic.key, "The broadcast reader of topic '" + this.topic.topic
					+ "' on instance '" + this.settings.instanceId() + "' missed " + missed + " events ("
					+ this.missedInAll + " in all): they were trimmed from stream '" + this.topic.key + "' (max-length "
					+ this.settings.maxLength() + ") before it read them. This instance's subscribers of the topic"
					+ " never see them. A reader falls behind when its subscribers are slow or the instance stalls;"
					+ " raise max-length, or make broadcast lossless (broadcast-lossless)", null);
		}
	}

	private static @Nullable String firstEntryId(@Nullable Object firstEntry) {
		// [id, [field, value, ...]] or, from Lettuce's StreamMessage-less reply, a list
		if (firstEntry instanceof List<?> entry && !entry.isEmpty()) {
			return String.valueOf(entry.get(0));
		}
		return null;
	}

	private static boolean noSuchKey(Throwable ex) {
		return ex.getMessage() != null && ex.getMessage().contains("no such key");
	}

	/**
	 * Where the stream ends now: its last id and how many entries it was ever given (-1
	 * if Redis does not say, before Redis 7); {@code 0-0} and 0 if it does not exist yet.
	 */
	static StreamEnd streamEnd(RedisAsyncCommands<String, String> redis, String key, long timeoutNanos)
			throws InterruptedException {
		Map<String, Object> info;
		try {
			info = Commands.fields(Objects
				.requireNonNull(Commands.await(redis.xinfoStream(key), timeoutNanos, "XINFO STREAM of '" + key + "'")));
		}
		catch (RedisCommandExecutionException ex) {
			if (noSuchKey(ex)) {
				return new StreamEnd("0-0", 0);
			}
			throw ex;
		}
		Object last = info.get("last-generated-id");
		Long added = Commands.number(info.get("entries-added"));
		return new StreamEnd((last != null) ? String.valueOf(last) : "0-0", (added != null) ? added : -1);
	}

	/**
	 * Where a stream ends.
	 *
	 * @param lastId the id of the last entry it was given
	 * @param entriesAdded how many entries it was ever given, -1 if unknown
	 */
	record StreamEnd(String lastId, long entriesAdded) {
	}

}
