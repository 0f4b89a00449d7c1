package dev.sluice.redis.eventbus;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import org.jspecify.annotations.Nullable;

/**
 * A thread that reads one stream over a connection of its own (its reads block in Redis,
 * so they cannot share the publishers' connection): the broadcast reader of a topic, or a
 * member of a consumer group.
 *
 * <p>
 * It never dies of a Redis failure (it pauses, up to a second, and tries again; Lettuce
 * reconnects meanwhile), nor of an {@link Error} that is not a
 * {@link VirtualMachineError}, nor of an interrupt that {@link #abandon()} did not make;
 * each is logged, rate-limited. After {@link #stop()} it starts no read, finishes what it
 * read, and is {@link #busy()} until it has; a stop is seen within about the poll
 * timeout.
 */
abstract class StreamWorker implements Runnable {

	/*
	 * Design notes. Everything but the flags and the connection is confined to the
	 * worker's thread. `stopping` (no more reads), `abandoned` (stop now, acknowledge
	 * nothing more) and `phase` are volatile, written by the transport's threads or the
	 * worker and read by both. An exception from one round is logged (rate-limited),
	 * followed by a pause that doubles up to a second, and the round is tried again; an
	 * Error that is not a VirtualMachineError (a failed event class initialiser, say) is
	 * handled the same way. A stray interrupt (a handler that set its thread's interrupt
	 * flag again, say) is cleared, logged, and the worker goes on. Reads block in Redis
	 * for the poll timeout, so a stop is seen within about that time; a stop also wakes a
	 * worker that is pausing.
	 *
	 * Stop and drain. A read (or claim) starts only through startRead(), which sets
	 * `phase` to READING before it looks at `stopping`; stop() sets `stopping` before a
	 * drain looks at `phase`. Both are volatile, so either the worker sees the stop and
	 * starts nothing, or the drain sees the read under way. A read that was under way
	 * when the stop came is finished: what it returned is handled (and acknowledged), and
	 * the worker stays busy() from the read until then, never passing through IDLE in
	 * between. No read starts once the stop is seen.
	 */

	/**
	 * How long the marker that a malformed entry was dead-lettered lives: a reader that
	 * meets the entry later than this (one far behind, or a group made later) writes
	 * another letter.
	 */
	static final Duration LETTER_MARKER_TTL = Duration.ofDays(1);

	/**
	 * KEYS: the dead-letter stream, the entry's marker. ARGV: instance, marker ttl in ms,
	 * max length or '', then the letter's fields and values.
	 */
	private static final String LETTER_ONCE = """
			if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
			local fields = {}
			for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
			if ARGV[3] ~= '' then
			  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', unpack(fields))
			else
			  redis.call('XADD', KEYS[1], '*', unpack(fields))
			end
			return 1
			""";

	private static final long MIN_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

	private static final long MAX_PAUSE_NANOS = TimeUnit.SECONDS.toNanos(1);

	/** What the worker is doing, for {@link #busy()}. */
	enum Phase {

		/** Connecting, pausing, or between rounds: nothing taken on. */
		IDLE,
		/** A read is under way, whose entries will be handled. */
		READING,
		/** Handling entries it has read. */
		HANDLING

	}

	final WorkerContext context;

	final RedisStreamSettings settings;

	final RateLimitedLog log;

	final TopicState topic;

	private final Thread thread;

	private final String warningKind;

	volatile boolean stopping;

	volatile boolean abandoned;

	volatile Phase phase = Phase.IDLE;

	private volatile @Nullable StatefulRedisConnection<String, String> connection;

	/**
	 * Set by whichever closes the connection first (the worker as it ends, or the
	 * transport).
	 */
	private final AtomicReference<CompletableFuture<Void>> closing = new AtomicReference<>();

	StreamWorker(WorkerContext context, TopicState topic, String threadName) {
		this.context = context;
		this.settings = context.settings();
		this.log = context.log();
		this.topic = topic;
		this.thread = new Thread(this, threadName);
		this.thread.setDaemon(true);
		this.warningKind = threadName + "@" + System.identityHashCode(this);
	}

	void start() {
		this.context.workers().started(this);
		this.thread.start();
	}

	/** Reads no more: the worker finishes what it has read and ends. Does not block. */
	void stop() {
		this.stopping = true;
		LockSupport.unpark(this.thread);
	}

	/**
	 * Stops at once: interrupts the thread (and so a handler that waits), acknowledges
	 * nothing more.
	 * @return the entries read and not yet settled, which stay pending in Redis
	 */
	int abandon() {
		this.abandoned = true;
		this.stopping = true;
		int inFlight = inFlight();
		this.thread.interrupt();
		return inFlight;
	}

	/** Whether it has work under way that a drain should wait for. */
	boolean busy() {
		Phase now = this.phase;
		return this.thread.isAlive() && (now == Phase.HANDLING || (this.stopping && now == Phase.READING));
	}

	void join(long nanos) throws InterruptedException {
		this.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos)));
	}

	/**
	 * Closes the connection, from the worker or another thread (so that a read under way
	 * ends now).
	 * @return done when the connection is closed
	 */
	CompletableFuture<Void> closeConnection() {
		StatefulRedisConnection<String, String> open = this.connection;
		if (open == null) {
			return CompletableFuture.completedFuture(null);
		}
		CompletableFuture<Void> closed = new CompletableFuture<>();
		if (!this.closing.compareAndSet(null, closed)) {
			// set by whichever closed first, and never unset
			return Objects.requireNonNull(this.closing.get());
		}
		open.closeAsync().whenComplete((done, ex) -> closed.complete(null));
		return closed;
	}

	@Override
	public final void run() {
		long pause = 0;
		boolean failing = false;
		try {
			while (!this.stopping) {
				try {
					round(connection());
					if (failing) {
						failing = false;
						this.log.recovered(this.warningKind);
						this.log.log(Level.INFO, this.thread.getName() + " reads again");
					}
					pause = 0;
				}
				catch (InterruptedException ex) {
					this.phase = Phase.IDLE;
					Thread.interrupted();
					if (this.abandoned) {
						Thread.currentThread().interrupt();
						break;
					}
					// only abandon() interrupts: this one came from elsewhere (a handler
					// that set the
					// flag again, say). The round it cut short left what it read pending,
					// to be claimed.
					strayInterrupt(ex);
				}
				catch (RuntimeException | Error ex) {
					if (ex instanceof VirtualMachineError) {
						throw ex;
					}
					this.phase = Phase.IDLE;
					if (this.stopping) {
						break;
					}
					failing = true;
					failed(ex);
					this.log.warn(this.warningKind, this.thread.getName() + " failed to read stream '" + this.topic.key
							+ "' and tries again: " + ex, ex);
					pause = Math.min(MAX_PAUSE_NANOS, Math.max(MIN_PAUSE_NANOS, pause * 2));
					pause(pause);
				}
			}
		}
		finally {
			this.phase = Phase.IDLE;
			this.log.recovered(this.warningKind);
			try {
				finish();
			}
			finally {
				closeConnection().whenComplete((done, ex) -> this.context.workers().ended(this));
			}
		}
	}

	/** One round: a read and the handling of what it returned. */
	abstract void round(RedisAsyncCommands<String, String> redis) throws InterruptedException;

	/** Entries read and not settled. */
	abstract int inFlight();

	/**
	 * Hears of a failed round before the pause (a group member re-creates a lost group).
	 */
	void failed(Throwable ex) {
	}

	/**
	 * Marks a read (or claim) as under way, unless the worker is stopping. The phase is
	 * set before the flag is read (see the class notes), so that a drain either sees the
	 * read or the read does not start.
	 * @return whether the read may start; if not, the worker is idle
	 */
	final boolean startRead() {
		this.phase = Phase.READING;
		if (this.stopping) {
			this.phase = Phase.IDLE;
			return false;
		}
		return true;
	}

	/**
	 * Clears the thread's interrupt flag if it was set by anything but {@link #abandon()}
	 * (a handler that interrupted itself, or set the flag again after catching an
	 * interrupt), so that it does not cut short the worker's next wait on Redis, nor the
	 * next handler's waits. An interrupt from {@code abandon()} is kept.
	 * @return whether a stray interrupt was cleared
	 */
	final boolean clearStrayInterrupt() {
		if (!Thread.interrupted()) {
			return false;
		}
		if (this.abandoned) {
			// abandon() sets the flag after abandoned, so this may be its interrupt: keep
			// it
			Thread.currentThread().interrupt();
			return false;
		}
		strayInterrupt(null);
		return true;
	}

	private void strayInterrupt(@Nullable InterruptedException ex) {
		this.log.warn("interrupt:" + this.warningKind, this.thread.getName() + " was interrupted, though it was not"
				+ " abandoned (a handler that interrupts its own thread, or sets the flag again after catching an"
				+ " interrupt?); it clears the interrupt and goes on", ex);
	}

	/** Runs on the worker's thread as it ends, before its connection is closed. */
	void finish() {
	}

	/**
	 * The worker's own connection, opened on first use; Lettuce reconnects it after a
	 * loss.
	 */
	private RedisAsyncCommands<String, String> connection() {
		StatefulRedisConnection<String, String> open = this.connection;
		if (open == null) {
			open = this.context.connections().get();
			this.connection = open;
			if (this.stopping) {
				// a close that ran while this connected may have missed it: close it here
				closeConnection();
				throw new RedisException("stopping");
			}
		}
		return open.async();
	}

	/**
	 * The worker's connection if it has one that is open, for a last command as it ends.
	 */
	@Nullable RedisAsyncCommands<String, String> openConnection() {
		StatefulRedisConnection<String, String> open = this.connection;
		return (open != null && open.isOpen()) ? open.async() : null;
	}

	/** Waits for the pause, or until stopped. */
	private void pause(long nanos) {
		long deadline = System.nanoTime() + nanos;
		long left;
		while (!this.stopping && (left = deadline - System.nanoTime()) > 0) {
			LockSupport.parkNanos(this, left);
			if (Thread.currentThread().isInterrupted()) {
				if (this.abandoned) {
					// abandon() sets stopping and abandoned first; keep the flag for the
					// loop
					return;
				}
				clearStrayInterrupt();
			}
		}
	}

	/**
	 * Writes the dead letter of a malformed entry unless some reader or member, on any
	 * instance, has already written one for it: a marker key per entry id, set with NX in
	 * the same script as the letter, so that of all the instances and groups that meet
	 * the entry exactly one writes it. The marker lives {@link #LETTER_MARKER_TTL}. Waits
	 * for Redis.
	 * @return whether this call wrote the letter
	 */
	boolean deadLetterOnce(RedisAsyncCommands<String, String> redis, String id, @Nullable Map<String, String> body,
			String reason, @Nullable String group, long deliveries) throws InterruptedException {
		Map<String, String> letter = this.context.wire().deadLetter(id, body, reason, group, deliveries);
		String[] args = new String[3 + letter.size() * 2];
		args[0] = Objects.requireNonNull(this.settings.instanceId());
		args[1] = Long.toString(LETTER_MARKER_TTL.toMillis());
		args[2] = this.settings.trims() ? Long.toString(this.settings.maxLength()) : "";
		int i = 3;
		for (Map.Entry<String, String> field : letter.entrySet()) {
			args[i++] = field.getKey();
			args[i++] = field.getValue();
		}
		Long written = Commands.await(
				redis.<Long>eval(LETTER_ONCE, ScriptOutputType.INTEGER,
						new String[] { this.topic.deadKey, this.topic.deadKey + ":letter:" + id }, args),
				this.settings.workerTimeoutNanos(), "XADD to dead-letter stream '" + this.topic.deadKey + "'");
		if (written != null && written == 1) {
			this.topic.deadLettered.increment();
			return true;
		}
		return false;
	}

	/** Writes a dead letter, waiting for Redis to take it. */
	void deadLetter(RedisAsyncCommands<String, String> redis, String id, @Nullable Map<String, String> body,
			String reason, @Nullable String group, long deliveries) throws InterruptedException {
		XAddArgs args = new XAddArgs();
		if (this.settings.trims()) {
			args.maxlen(this.settings.maxLength()).approximateTrimming();
		}
		Commands.await(
				redis.xadd(this.topic.deadKey, args,
						this.context.wire().deadLetter(id, body, reason, group, deliveries)),
				this.settings.workerTimeoutNanos(), "XADD to dead-letter stream '" + this.topic.deadKey + "'");
		this.topic.deadLettered.increment();
	}

	String threadName() {
		return this.thread.getName();
	}

}
