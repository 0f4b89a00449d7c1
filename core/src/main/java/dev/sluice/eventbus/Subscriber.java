package dev.sluice.eventbus;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import dev.sluice.timeout.Deadline;

/**
 * One subscriber: its mailbox (a bounded ring of events and their publish times) and the task that
 * drains it on a dispatcher thread.
 *
 * <p>Design notes. {@code lock} guards the ring, every counter and the {@code scheduled} flag. At most
 * one drain task per subscriber is scheduled or running ({@code scheduled}), which is what keeps one
 * publisher's events in order for this subscriber. The drain task takes a batch under the lock and
 * counts it as {@code inHand}, delivers it without the lock, then settles the counters under the lock;
 * so a snapshot under the lock always satisfies offered = delivered + failed + dropped + queued, where
 * queued = in the ring + in hand. A drain task that has had its share ({@value #BATCHES_PER_TURN}
 * batches) goes to the back of the dispatcher's queue, so a busy subscriber cannot starve the others.
 */
final class Subscriber implements Runnable {

	private static final System.Logger logger = System.getLogger(EventBus.class.getName());

	private static final int BATCH = 256;

	private static final int BATCHES_PER_TURN = 4;

	/** The outcome of offering one event. */
	enum Offer {

		QUEUED, DROPPED_NEWEST, DROPPED_OLDEST, REJECTED, NOT_SUBSCRIBED
	}

	final String topic;

	final SubscriberOptions options;

	final Class<?> type;

	private final Consumer<Object> handler;

	private final Executor dispatcher;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition notFull = this.lock.newCondition();

	private final Object[] items;

	private final long[] stamps;

	private int head;

	private int size;

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

	/** Written under lock; read without it by the drain task between events. */
	private volatile boolean closed;

	@SuppressWarnings("unchecked")
	Subscriber(String topic, SubscriberOptions options, Class<?> type, Consumer<?> handler, Executor dispatcher) {
		this.topic = topic;
		this.options = options;
		this.type = type;
		this.handler = (Consumer<Object>) handler;
		this.dispatcher = dispatcher;
		this.items = new Object[options.buffer()];
		this.stamps = new long[options.buffer()];
	}

	Offer offer(Object event, long stamp) throws InterruptedException {
		boolean schedule = false;
		Offer outcome;
		this.lock.lock();
		try {
			if (this.closed) {
				return Offer.NOT_SUBSCRIBED;
			}
			// counted as offered only once its outcome is settled, so that a publisher still waiting for
			// room under block is never an event that is neither queued nor dropped
			if (this.size == this.items.length) {
				switch (this.options.overflow()) {
					case DROP_NEWEST -> {
						this.offered++;
						this.droppedNewest++;
						return Offer.DROPPED_NEWEST;
					}
					case DROP_OLDEST -> {
						this.items[this.head] = null;
						this.head = (this.head + 1) % this.items.length;
						this.size--;
						this.droppedOldest++;
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
						if (!room) {
							this.offered++;
							this.rejected++;
							return Offer.REJECTED;
						}
					}
				}
				outcome = (this.options.overflow() == Overflow.DROP_OLDEST) ? Offer.DROPPED_OLDEST : Offer.QUEUED;
			}
			else {
				outcome = Offer.QUEUED;
			}
			this.offered++;
			int tail = (this.head + this.size) % this.items.length;
			this.items[tail] = event;
			this.stamps[tail] = stamp;
			this.size++;
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

	/** Waits for room under the lock, up to the publish timeout and the caller's deadline. */
	private boolean awaitRoom() throws InterruptedException {
		long nanos = Deadline.cap(this.options.publishTimeout());
		while (this.size == this.items.length && !this.closed) {
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
			// the bus is shutting down: what is queued stays counted as queued until it is discarded
		}
	}

	@Override
	public void run() {
		Object[] batch = new Object[Math.min(BATCH, this.items.length)];
		long[] times = new long[batch.length];
		for (int turn = 0; turn < BATCHES_PER_TURN; turn++) {
			int count;
			this.lock.lock();
			try {
				count = Math.min(batch.length, this.size);
				for (int i = 0; i < count; i++) {
					batch[i] = this.items[this.head];
					times[i] = this.stamps[this.head];
					this.items[this.head] = null;
					this.head = (this.head + 1) % this.items.length;
				}
				this.size -= count;
				this.inHand += count;
				if (count == 0) {
					this.scheduled = false;
					return;
				}
				this.notFull.signalAll();
			}
			finally {
				this.lock.unlock();
			}
			deliver(batch, times, count);
		}
		schedule();
	}

	private void deliver(Object[] batch, long[] times, int count) {
		long ok = 0;
		long bad = 0;
		long skipped = 0;
		long nanos = 0;
		for (int i = 0; i < count; i++) {
			Object event = batch[i];
			batch[i] = null;
			if (this.closed) {
				skipped++;
				continue;
			}
			try {
				this.handler.accept(event);
				ok++;
			}
			catch (Throwable ex) {
				bad++;
				logger.log(System.Logger.Level.WARNING, "Subscriber '" + this.options.name() + "' of topic '"
						+ this.topic + "' failed on an event; it keeps receiving", ex);
			}
			nanos += System.nanoTime() - times[i];
		}
		this.lock.lock();
		try {
			this.delivered += ok;
			this.failed += bad;
			this.discarded += skipped;
			this.deliveryNanos += nanos;
			this.inHand -= count;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Unsubscribes: later offers are refused and what is queued is discarded (and counted). */
	void close() {
		this.lock.lock();
		try {
			if (!this.closed) {
				this.closed = true;
				discardQueued();
				this.notFull.signalAll();
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Discards what is queued, for an abandoned shutdown; returns how many events it discarded. */
	long abandon() {
		this.lock.lock();
		try {
			long queued = this.size + this.inHand;
			this.closed = true;
			discardQueued();
			this.notFull.signalAll();
			return queued;
		}
		finally {
			this.lock.unlock();
		}
	}

	private void discardQueued() {
		for (int i = 0; i < this.size; i++) {
			this.items[(this.head + i) % this.items.length] = null;
		}
		this.discarded += this.size;
		this.size = 0;
	}

	boolean idle() {
		this.lock.lock();
		try {
			return this.size == 0 && this.inHand == 0;
		}
		finally {
			this.lock.unlock();
		}
	}

	SubscriberStats stats() {
		this.lock.lock();
		try {
			return new SubscriberStats(this.topic, this.options.name(), this.items.length, this.options.overflow(),
					this.offered, this.delivered, this.failed, this.droppedNewest, this.droppedOldest, this.rejected,
					this.discarded, this.size + this.inHand, Duration.ofNanos(this.deliveryNanos));
		}
		finally {
			this.lock.unlock();
		}
	}
}
