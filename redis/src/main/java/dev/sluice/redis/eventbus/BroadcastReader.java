package dev.sluice.redis.eventbus;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.sluice.eventbus.EventRejectedException;
import dev.sluice.eventbus.EventTransport.LocalDelivery;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
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
 * nothing the stream still holds. An entry it cannot read is counted and dead-lettered by
 * every instance that reads it.
 */
final class BroadcastReader extends StreamWorker {

	/*
	 * Design notes. `lastId` (the last entry handed over) is confined to the reader's
	 * thread; it starts at the stream's last entry when the topic was opened, so what was
	 * published before, or while this instance was not reading, is not replayed.
	 * Malformed entries are dead-lettered by every instance that reads them, each writing
	 * its own letter (with its `instance`); so is an entry whose decoding throws (an
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

	/** Entries of the current batch not yet handed over; written by the reader only. */
	private volatile int inFlight;

	BroadcastReader(WorkerContext context, TopicState topic, @Nullable String startId, LocalDelivery local) {
		super(context, topic, "sluice-redis-" + context.settings().instanceId() + "-" + topic.topic + "-broadcast");
		this.lastId = startId;
		this.locals.add(local);
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
			this.lastId = lastEntryId(redis, this.topic.key, this.settings.workerTimeoutNanos());
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
		try {
			for (StreamMessage<String, String> message : batch) {
				if (this.abandoned) {
					return;
				}
				handle(redis, message);
				this.lastId = message.getId();
				this.inFlight--;
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
			deadLetter(redis, message.getId(), message.getBody(), reason, null, 0);
			return;
		}
		if (decoded.malformed() != null) {
			this.topic.malformed.increment();
			this.log.warn("malformed:" + this.topic.key,
					"Entry " + message.getId() + " of stream '" + this.topic.key
							+ "' is not an event this instance can read (" + decoded.malformed()
							+ "); it goes to the dead-letter stream '" + this.topic.deadKey + "'",
					null);
			deadLetter(redis, message.getId(), message.getBody(), decoded.malformed(), null, 0);
			return;
		}
		// not malformed, so it has its event
		Object event = Objects.requireNonNull(decoded.event());
		this.topic.received.increment();
		for (LocalDelivery local : this.locals) {
			try {
				local.deliver(this.topic.topic, event);
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

	@Override
	int inFlight() {
		return this.inFlight;
	}

	/**
	 * The id of the stream's last entry, or {@code 0-0} if it is empty or does not exist
	 * yet.
	 */
	static String lastEntryId(RedisAsyncCommands<String, String> redis, String key, long timeoutNanos)
			throws InterruptedException {
		List<StreamMessage<String, String>> last = Commands.await(
				redis.xrevrange(key, Range.unbounded(), Limit.from(1)), timeoutNanos,
				"XREVRANGE of stream '" + key + "'");
		return (last == null || last.isEmpty()) ? "0-0" : last.get(0).getId();
	}

}
