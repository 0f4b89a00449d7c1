package dev.sluice.pipeline;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import dev.sluice.pool.TaskGroup;
import dev.sluice.timeout.Deadline;
import org.jspecify.annotations.Nullable;

/**
 * A bounded, closable channel: Go's buffered {@code chan}, with timeouts.
 *
 * <ul>
 * <li>{@link #send(Object, Duration)} waits up to the timeout while the channel is full,
 * and fails with {@link ChannelClosedException} once the channel is closed.</li>
 * <li>{@link #receive(Duration)} waits up to the timeout while the channel is empty;
 * after {@link #close()}, receivers still get every item that was sent, and then an empty
 * result: the end of the channel.</li>
 * <li>Iterating takes items until the end of the channel (Go's {@code range}).</li>
 * <li>Several threads may send and receive at once; each item goes to exactly one
 * receiver (fan-out), and {@link #merge} forwards several channels into one
 * (fan-in).</li>
 * <li>Items from one sender are received in the order it sent them.</li>
 * <li>A wait also ends early when the calling thread is interrupted. The timed calls
 * ({@code send}, {@code receive}) never wait past the {@link Deadline} of the work they
 * run in; the untimed ones ({@code sendAll}, {@code receiveAtMost}, iteration) wait until
 * there is room or an item, the channel is closed, or the thread is interrupted.</li>
 * </ul>
 *
 * <p>
 * Design notes. One lock guards the buffer and the closed flag, with a condition for "not
 * empty" and one for "not full", as {@link java.util.concurrent.ArrayBlockingQueue} does;
 * {@code close} signals both so that every waiter re-checks. Batch operations
 * ({@link #sendAll}, {@link #receiveAtMost}) move many items under one lock acquisition.
 *
 * @param <T> the type of the items; {@code null} is not allowed
 */
public final class Channel<T> implements Iterable<T>, AutoCloseable {

	private final int capacity;

	private final ArrayDeque<T> buffer;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition notEmpty = this.lock.newCondition();

	private final Condition notFull = this.lock.newCondition();

	/** Guarded by lock. */
	private boolean closed;

	private Channel(int capacity) {
		if (capacity < 1) {
			throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
		}
		this.capacity = capacity;
		this.buffer = new ArrayDeque<>(Math.min(capacity, 1024));
	}

	/** A channel that holds up to {@code capacity} items. */
	public static <T> Channel<T> bounded(int capacity) {
		return new Channel<>(capacity);
	}

	/** How many items the channel holds at most. */
	public int capacity() {
		return this.capacity;
	}

	/** How many items wait in the channel now. */
	public int size() {
		this.lock.lock();
		try {
			return this.buffer.size();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Sends an item, waiting up to the timeout while the channel is full.
	 * @throws ChannelClosedException if the channel is closed, before or while waiting
	 * @throws TimeoutException if the channel stayed full for the whole timeout
	 * @throws InterruptedException if the thread was interrupted while waiting
	 */
	public void send(T item, Duration timeout) throws InterruptedException, TimeoutException {
		Objects.requireNonNull(item, "item");
		long nanos = Deadline.cap(timeout);
		this.lock.lockInterruptibly();
		try {
			while (true) {
				if (this.closed) {
					throw new ChannelClosedException("Cannot send: the channel is closed");
				}
				if (this.buffer.size() < this.capacity) {
					this.buffer.addLast(item);
					this.notEmpty.signal();
					return;
				}
				if (nanos <= 0) {
					throw new TimeoutException("The channel stayed full (" + this.capacity + " items) for " + timeout);
				}
				nanos = this.notFull.awaitNanos(nanos);
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Sends every item in order, waiting while the channel is full, without a time limit:
	 * what a pipeline stage does. An interrupt or a close ends the wait; the items sent
	 * before it stay sent.
	 * @throws NullPointerException if an item is {@code null}; then nothing is sent
	 * @throws ChannelClosedException if the channel is closed before every item is sent
	 * @throws InterruptedException if the thread was interrupted while waiting
	 */
	public void sendAll(List<? extends T> items) throws InterruptedException {
		// checked before anything is added: a refusal half-way would leave items in the
		// buffer that
		// no receiver had been woken for
		for (T item : items) {
			Objects.requireNonNull(item, "item");
		}
		int sent = 0;
		while (sent < items.size()) {
			this.lock.lockInterruptibly();
			try {
				while (!this.closed && this.buffer.size() >= this.capacity) {
					this.notFull.await();
				}
				if (this.closed) {
					throw new ChannelClosedException("Cannot send: the channel is closed");
				}
				int room = this.capacity - this.buffer.size();
				int end = Math.min(items.size(), sent + room);
				for (; sent < end; sent++) {
					this.buffer.addLast(items.get(sent));
				}
				this.notEmpty.signalAll();
			}
			finally {
				this.lock.unlock();
			}
		}
	}

	/** Sends the item only if there is room now; never waits. */
	public boolean trySend(T item) {
		Objects.requireNonNull(item, "item");
		this.lock.lock();
		try {
			if (this.closed) {
				throw new ChannelClosedException("Cannot send: the channel is closed");
			}
			if (this.buffer.size() >= this.capacity) {
				return false;
			}
			this.buffer.addLast(item);
			this.notEmpty.signal();
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Receives the next item, waiting up to the timeout while the channel is empty.
	 * @return the item, or empty if the channel is closed and every item has been
	 * received
	 * @throws TimeoutException if the channel stayed empty and open for the whole timeout
	 * @throws InterruptedException if the thread was interrupted while waiting
	 */
	public Optional<T> receive(Duration timeout) throws InterruptedException, TimeoutException {
		long nanos = Deadline.cap(timeout);
		this.lock.lockInterruptibly();
		try {
			while (true) {
				T item = this.buffer.pollFirst();
				if (item != null) {
					this.notFull.signal();
					return Optional.of(item);
				}
				if (this.closed) {
					return Optional.empty();
				}
				if (nanos <= 0) {
					throw new TimeoutException("The channel stayed empty for " + timeout);
				}
				nanos = this.notEmpty.awaitNanos(nanos);
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Receives up to {@code max} items at once, waiting without a time limit for at least
	 * one: what a pipeline stage does.
	 * @return the items, in order; empty only when the channel is closed and drained
	 * @throws InterruptedException if the thread was interrupted while waiting
	 */
	public List<T> receiveAtMost(int max) throws InterruptedException {
		if (max < 1) {
			throw new IllegalArgumentException("max must be at least 1, was " + max);
		}
		this.lock.lockInterruptibly();
		try {
			while (this.buffer.isEmpty() && !this.closed) {
				this.notEmpty.await();
			}
			int count = Math.min(max, this.buffer.size());
			List<T> items = new ArrayList<>(count);
			for (int i = 0; i < count; i++) {
				items.add(this.buffer.pollFirst());
			}
			if (count > 0) {
				this.notFull.signalAll();
			}
			return items;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Closes the channel: later sends fail, waiting senders fail, and receivers get what
	 * is left before they see the end. Closing twice does nothing.
	 */
	@Override
	public void close() {
		this.lock.lock();
		try {
			this.closed = true;
			this.notEmpty.signalAll();
			this.notFull.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Whether the channel is closed (it may still hold items). */
	public boolean isClosed() {
		this.lock.lock();
		try {
			return this.closed;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Takes items until the end of the channel. Its {@code hasNext} waits without a time
	 * limit; an interrupt while it waits throws {@link CancellationException} and keeps
	 * the interrupt status.
	 */
	@Override
	public Iterator<T> iterator() {
		return new Iterator<>() {

			private @Nullable T next;

			@Override
			public boolean hasNext() {
				if (this.next != null) {
					return true;
				}
				try {
					List<T> items = receiveAtMost(1);
					this.next = items.isEmpty() ? null : items.get(0);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new CancellationException("Interrupted while waiting for the channel");
				}
				return this.next != null;
			}

			@Override
			public T next() {
				if (!hasNext()) {
					throw new NoSuchElementException("The channel is closed and empty");
				}
				T item = Objects.requireNonNull(this.next);
				this.next = null;
				return item;
			}
		};
	}

	/**
	 * Fan-in: a channel that receives every item of the given channels, each exactly
	 * once, and ends when all of them have ended. Items of one input keep their order;
	 * inputs interleave. The forwarding runs on one thread per input, which ends when its
	 * input ends, or, once the merged channel is closed by its receiver, at the input's
	 * next item.
	 * @param capacity the capacity of the merged channel
	 */
	@SafeVarargs
	public static <T> Channel<T> merge(int capacity, Channel<? extends T>... inputs) {
		Channel<T> merged = bounded(capacity);
		TaskGroup group = TaskGroup.create();
		AtomicInteger open = new AtomicInteger(inputs.length);
		if (inputs.length == 0) {
			merged.close();
		}
		for (Channel<? extends T> input : inputs) {
			group.fork(() -> {
				try {
					List<? extends T> items;
					while (!(items = input.receiveAtMost(256)).isEmpty()) {
						merged.sendAll(items);
					}
				}
				catch (ChannelClosedException ex) {
					// the merged channel was closed by its receiver: stop forwarding
				}
				finally {
					if (open.decrementAndGet() == 0) {
						merged.close();
					}
				}
				return null;
			});
		}
		return merged;
	}

	@Override
	public String toString() {
		return "Channel[" + size() + "/" + this.capacity + (isClosed() ? ", closed]" : "]");
	}

}
