package dev.sluice.eventbus;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import dev.sluice.context.CapturedContext;
import dev.sluice.timeout.Deadline;
import org.jspecify.annotations.Nullable;

/**
 * One subscriber: its mailbox of waiting events (with their publish times) and the task
 * that drains it on a dispatcher thread.
 *
 * <p>
 * Design notes. The mailbox is two rings: publishers fill {@code filling}; the drain task
 * swaps it for the empty {@code draining} ring under the lock, in constant time, and
 * delivers the swapped-out events without the lock. The lock is therefore held only for a
 * few field writes on either side, so publishers and the drain task almost never wait for
 * each other. {@code lock} guards both rings' fields, every counter and
 * {@code scheduled}. At most one drain task per subscriber is scheduled or running
 * ({@code scheduled}), which is what keeps one publisher's events in order for this
 * subscriber. Events taken by the drain task are counted as {@code inHand} until they are
 * settled (delivered, failed or discarded) under the lock; so a snapshot under the lock
 * always satisfies offered = delivered + failed + dropped + queued, where queued =
 * waiting + in hand. At most {@code buffer} events wait; up to as many more may be in
 * hand. The rings start empty and grow (doubling) with what they hold, up to
 * {@code buffer}, and shrink back to a few slots when the subscriber goes idle (its drain
 * task finds nothing more), so an idle subscriber costs a few objects whatever its
 * buffer, and a busy one does not resize under way. A drain task that has had its share
 * ({@value #ROUNDS_PER_TURN} rounds) goes to the back of the dispatcher's queue, so a
 * busy subscriber cannot starve the others. An event may carry its publisher's
 * {@link CapturedContext}, kept in a third array of the ring that exists only once an
 * event with a context has been added, and restored around the handler (and the logging
 * of its failure).
 */
final class Subscriber implements Runnable {

	private static final System.Logger logger = System.getLogger(EventBus.class.getName());

	private static final int ROUNDS_PER_TURN = 8;

	private static final long FAILURE_LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

	/** The outcome of offering one event. */
	enum Offer {

		QUEUED, DROPPED_NEWEST, DROPPED_OLDEST, REJECTED, NOT_SUBSCRIBED

	}

	final String topic;

	final SubscriberOptions options;

	final Class<?> type;

	private final Consumer<Object> handler;

	private final Executor dispatcher;

	/** Observes each delivery; {@code null} for a bus that does not observe. */
	private final @Nullable EventObserver observer;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition notFull = this.lock.newCondition();

	/** Guarded by lock: where publishers put events. */
	private Ring filling;

	/** Guarded by lock while swapped in; owned by the drain task while it delivers. */
	private Ring draining;

	private long offered;

	private long delivered;

	private long failed;

	private long droppedNewest;

	private long droppedOldest;

	private long rejected;

	private long discarded;

	private long inHand;

	private long deliveryNanos;

	private boolean scheduled;

	/**
	 * When a failure was last logged ({@code System.nanoTime()}, 0 for never); drain task
	 * only.
	 */
	private long lastFailureLog;

	/** Failures since the last one logged; drain task only. */
	private long failuresNotLogged;

	/** Whether {@link #abandon()} has counted this subscriber's events. */
	private boolean abandoned;

	/** Written under lock; read without it by the drain task between events. */
	private volatile boolean closed;

	/**
	 * Told once the subscriber has left and settled every event it had in hand; set by
	 * the bus.
	 */
	volatile Runnable onSettled = () -> {
	};

	@SuppressWarnings("unchecked")
	Subscriber(String topic, SubscriberOptions options, Class<?> type, Consumer<?> handler, Executor dispatcher,
			@Nullable EventObserver observer) {
		this.topic = topic;
		this.options = options;
		this.type = type;
		this.handler = (Consumer<Object>) handler;
		this.dispatcher = dispatcher;
		this.observer = observer;
		this.filling = new Ring(options.buffer());
		this.draining = new Ring(options.buffer());
	}

	Offer offer(Object event, long stamp, @Nullable CapturedContext context) throws InterruptedException {
		boolean schedule = false;
		Offer outcome = Offer.QUEUED;
		this.lock.lock();
		try {
			if (this.closed) {
				return Offer.NOT_SUBSCRIBED;
			}
			// counted as offered only once its outcome is settled, so that a publisher
			// still waiting for
			// room under block is never an event that is neither queued nor dropped
			if (this.filling.full()) {
				switch (this.options.overflow()) {
					case DROP_NEWEST -> {
						this.offered++;
						this.droppedNewest++;
						return Offer.DROPPED_NEWEST;
					}
					case DROP_OLDEST -> {
						this.filling.dropOldest();
						this.droppedOldest++;
						outcome = Offer.DROPPED_OLDEST;
					}
					case FAIL -> {
						this.offered++;
						this.rejected++;
						return Offer.REJECTED;
					}
					case BLOCK -> {
						boolean room;
						try {
							room = awaitRoom();
						}
						catch (InterruptedException ex) {
							this.offered++;
							this.rejected++;
							throw ex;
						}
						if (this.closed) {
							// the subscriber left while the publisher waited: not a full
							// buffer
							return Offer.NOT_SUBSCRIBED;
						}
						if (!room) {
							this.offered++;
							this.rejected++;
							return Offer.REJECTED;
						}
					}
				}
			}
			this.offered++;
			this.filling.add(event, stamp, context);
			if (!this.scheduled) {
				this.scheduled = true;
				schedule = true;
			}
		}
		finally {
			this.lock.unlock();
		}
		if (schedule) {
			schedule();
		}
		return outcome;
	}

	/**
	 * Waits for room under the lock, up to the publish timeout and the caller's deadline.
	 */
	private boolean awaitRoom() throws InterruptedException {
		if (Thread.currentThread() instanceof DispatcherThread) {
			// a handler publishing from a dispatcher must not wait: the drain it waits
			// for may be
			// queued behind it on this very thread
			return false;
		}
		long nanos = Deadline.cap(this.options.publishTimeout());
		while (this.filling.full() && !this.closed) {
			if (nanos <= 0) {
				return false;
			}
			nanos = this.notFull.awaitNanos(nanos);
		}
		return !this.closed;
	}

	private void schedule() {
		try {
			this.dispatcher.execute(this);
		}
		catch (RejectedExecutionException ex) {
			// the dispatchers have stopped: nothing will deliver what waits, so discard
			// and count it
			this.lock.lock();
			try {
				this.discarded += this.filling.size;
				this.filling.clear();
				this.scheduled = false;
				this.notFull.signalAll();
			}
			finally {
				this.lock.unlock();
			}
		}
	}

	@Override
	public void run() {
		for (int round = 0; round < ROUNDS_PER_TURN; round++) {
			Ring taken;
			this.lock.lock();
			try {
				if (this.filling.size == 0) {
					// going idle: what a burst grew the rings to is given back, not kept
					// for the next one
					this.filling.shrink();
					this.draining.shrink();
					this.scheduled = false;
					return;
				}
				taken = this.filling;
				this.filling = this.draining;
				this.draining = taken;
				this.inHand += taken.size;
				this.notFull.signalAll();
			}
			finally {
				this.lock.unlock();
			}
			deliver(taken);
		}
		schedule();
	}

	private void deliver(Ring taken) {
		int count = taken.size;
		long ok = 0;
		long bad = 0;
		long skipped = 0;
		long nanos = 0;
		long now = 0;
		try {
			for (int i = 0; i < count; i++) {
				int slot = taken.slot(i);
				Object event = taken.items[slot];
				taken.items[slot] = null;
				CapturedContext context = taken.takeContext(slot);
				if (this.closed) {
					skipped++;
					continue;
				}
				CapturedContext.Scope scope = null;
				// the bus offers each event with its delivery, which the handler sees
				Delivery.Carried carried = null;
				if (event instanceof Delivery.Carried offered) {
					carried = offered;
					event = offered.event();
				}
				// nothing to set for an event offered without one
				Object previous = (carried != null) ? Delivery.enter(carried) : null;
				try {
					if (context != null) {
						scope = context.restore();
					}
					if (this.observer == null) {
						this.handler.accept(event);
					}
					else {
						// inside the publisher's context, so that the delivery is what
						// the handler sees as current
						this.observer.deliver(this.topic, this.options.name(), event,
								(carried != null) ? carried.headers() : Map.of(),
								(carried != null) ? carried.publish() : null, this.handler);
					}
					ok++;
				}
				catch (Throwable ex) {
					bad++;
					logFailure(ex);
				}
				finally {
					if (scope != null) {
						scope.close();
					}
					if (carried != null) {
						Delivery.leave(previous);
					}
				}
				// the clock is read after a handler, every 64 events, so that timing
				// costs little
				if ((i & 63) == 0) {
					now = System.nanoTime();
				}
				nanos += now - taken.stamps[slot];
			}
		}
		finally {
			taken.clear();
			boolean settled;
			this.lock.lock();
			try {
				this.delivered += ok;
				this.failed += bad;
				this.discarded += skipped + (count - ok - bad - skipped);
				this.deliveryNanos += nanos;
				this.inHand -= count;
				settled = this.closed && this.inHand == 0 && this.filling.size == 0;
			}
			finally {
				this.lock.unlock();
			}
			if (settled) {
				this.onSettled.run();
			}
		}
	}

	/**
	 * Logs a handler's failure at a bounded rate: the first with its stack trace, then at
	 * most one line a minute saying how many failed meanwhile and the latest; the
	 * counters keep the exact count. Runs on the drain task, which one thread at a time
	 * runs, so the fields need no lock.
	 */
	private void logFailure(Throwable ex) {
		try {
			long now = System.nanoTime();
			this.failuresNotLogged++;
			if (this.lastFailureLog != 0 && now - this.lastFailureLog < FAILURE_LOG_INTERVAL_NANOS) {
				return;
			}
			String who = "Subscriber '" + this.options.name() + "' of topic '" + this.topic + "'";
			if (this.lastFailureLog == 0) {
				logger.log(System.Logger.Level.WARNING, who + " failed on an event; it keeps receiving (further"
						+ " failures are summed up at most once a minute)", ex);
			}
			else {
				logger.log(System.Logger.Level.WARNING, who + " failed on " + this.failuresNotLogged
						+ " events in the last minute or more; it keeps receiving. Latest: " + ex);
			}
			this.lastFailureLog = now;
			this.failuresNotLogged = 0;
		}
		catch (Throwable ignored) {
			// logging must never wedge the subscriber
		}
	}

	/**
	 * Unsubscribes: later offers are refused and what waits is discarded (and counted).
	 */
	void close() {
		this.lock.lock();
		try {
			if (!this.closed) {
				this.closed = true;
				this.discarded += this.filling.size;
				this.filling.clear();
				this.notFull.signalAll();
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Discards what waits, for an abandoned shutdown, whether or not the subscriber has
	 * already left. Returns how many events will not be delivered: the waiting ones, and
	 * those in hand (of which the one being delivered at this moment may still arrive, so
	 * this is an upper bound). Only the first call counts anything.
	 */
	long abandon() {
		this.lock.lock();
		try {
			if (this.abandoned) {
				return 0;
			}
			this.abandoned = true;
			long queued = this.filling.size + this.inHand;
			this.closed = true;
			this.discarded += this.filling.size;
			this.filling.clear();
			this.notFull.signalAll();
			return queued;
		}
		finally {
			this.lock.unlock();
		}
	}

	boolean idle() {
		this.lock.lock();
		try {
			return this.filling.size == 0 && this.inHand == 0;
		}
		finally {
			this.lock.unlock();
		}
	}

	SubscriberStats stats() {
		this.lock.lock();
		try {
			return new SubscriberStats(this.topic, this.options.name(), this.options.buffer(), this.options.overflow(),
					this.offered, this.delivered, this.failed, this.droppedNewest, this.droppedOldest, this.rejected,
					this.discarded, this.filling.size + this.inHand, Duration.ofNanos(this.deliveryNanos));
		}
		finally {
			this.lock.unlock();
		}
	}

	/** A thread of an event bus's dispatcher pool. */
	static final class DispatcherThread extends Thread {

		DispatcherThread(Runnable task, String name) {
			super(task, name);
			setDaemon(true);
		}

	}

	/**
	 * A ring of up to {@code bound} events and their publish times, whose arrays grow
	 * (doubling) with what it holds and start empty.
	 */
	private static final class Ring {

		private static final Object[] NO_ITEMS = {};

		private static final long[] NO_STAMPS = {};

		/** The first size a ring grows to, and the smallest it shrinks back to. */
		private static final int INITIAL = 16;

		private final int bound;

		Object[] items = NO_ITEMS;

		long[] stamps = NO_STAMPS;

		/**
		 * The publishers' contexts, beside the items; {@code null} until an event with a
		 * context is added, so that a bus without propagation stores nothing for it.
		 */
		@Nullable Object @Nullable [] contexts;

		int head;

		int size;

		Ring(int bound) {
			this.bound = bound;
		}

		boolean full() {
			return this.size == this.bound;
		}

		int slot(int index) {
			int slot = this.head + index;
			return (slot >= this.items.length) ? slot - this.items.length : slot;
		}

		void add(Object event, long stamp, @Nullable CapturedContext context) {
			if (this.size == this.items.length) {
				resize((int) Math.min(this.bound, Math.max(INITIAL, 2L * this.items.length)));
			}
			int slot = slot(this.size);
			this.items[slot] = event;
			this.stamps[slot] = stamp;
			if (context != null) {
				if (this.contexts == null) {
					this.contexts = new Object[this.items.length];
				}
				this.contexts[slot] = context;
			}
			else if (this.contexts != null) {
				this.contexts[slot] = null;
			}
			this.size++;
		}

		/** The context of the event in the slot, if it has one, no longer kept here. */
		@Nullable CapturedContext takeContext(int slot) {
			Object[] contexts = this.contexts;
			if (contexts == null) {
				return null;
			}
			CapturedContext context = (CapturedContext) contexts[slot];
			contexts[slot] = null;
			return context;
		}

		void dropOldest() {
			if (this.contexts != null) {
				this.contexts[this.head] = null;
			}
			this.items[this.head] = null;
			this.head = slot(1);
			this.size--;
		}

		void clear() {
			for (int i = 0; i < this.size; i++) {
				this.items[slot(i)] = null;
				if (this.contexts != null) {
					this.contexts[slot(i)] = null;
				}
			}
			this.head = 0;
			this.size = 0;
		}

		/** Gives back an empty ring's arrays beyond the first size it grows to. */
		void shrink() {
			if (this.size == 0 && this.items.length > INITIAL) {
				resize(INITIAL);
			}
		}

		private void resize(int capacity) {
			Object[] items = new Object[capacity];
			long[] stamps = new long[capacity];
			Object[] contexts = (this.contexts != null) ? new Object[capacity] : null;
			for (int i = 0; i < this.size; i++) {
				int slot = slot(i);
				items[i] = this.items[slot];
				stamps[i] = this.stamps[slot];
				if (contexts != null) {
					contexts[i] = Objects.requireNonNull(this.contexts)[slot];
				}
			}
			this.items = items;
			this.stamps = stamps;
			this.contexts = contexts;
			this.head = 0;
		}

	}

}
