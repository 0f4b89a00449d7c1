package dev.sluice.redis.eventbus;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import dev.sluice.eventbus.EventTransport.LocalDelivery;

/**
 * The readers and members of one transport, which it stops, drains, abandons and closes
 * together: at most one broadcast reader per topic, the group members that have not
 * ended, and every worker from its start until its connection is closed (for
 * {@link #close}). Thread-safe: the maps are concurrent, and a topic's reader is made
 * under this object's monitor.
 */
final class StreamWorkers {

	private final Map<String, BroadcastReader> readers = new ConcurrentHashMap<>();

	private final Set<GroupMember> members = ConcurrentHashMap.newKeySet();

	/** Every reader and member from its start until its connection is closed. */
	private final Set<StreamWorker> live = ConcurrentHashMap.newKeySet();

	private final RateLimitedLog log;

	StreamWorkers(RateLimitedLog log) {
		this.log = log;
	}

	/**
	 * Hands the topic's events to the delivery too: adds it to the topic's reader, or
	 * starts a reader for it ({@code create}). Under the monitor, so that a topic never
	 * gets two readers.
	 */
	synchronized void read(String topic, LocalDelivery local, Function<LocalDelivery, BroadcastReader> create) {
		BroadcastReader reader = this.readers.get(topic);
		if (reader != null) {
			reader.add(local);
			return;
		}
		reader = create.apply(local);
		this.readers.put(topic, reader);
		reader.start();
	}

	void add(GroupMember member) {
		this.members.add(member);
		member.start();
	}

	/** A member has ended: it no longer counts in the stats, the drain or the stop. */
	void removed(GroupMember member) {
		this.members.remove(member);
	}

	void started(StreamWorker worker) {
		this.live.add(worker);
	}

	void ended(StreamWorker worker) {
		this.live.remove(worker);
	}

	/** The members that have not ended, of any topic. */
	Set<GroupMember> members() {
		return this.members;
	}

	/** Tells every worker to read no more; does not block. */
	void stopAll() {
		all().forEach(StreamWorker::stop);
	}

	/**
	 * Waits until no worker has a read, claim or batch under way, or the timeout is up.
	 */
	boolean awaitDrained(Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + Math.min(timeout.toNanos(), Long.MAX_VALUE / 4);
		while (true) {
			boolean busy = false;
			for (StreamWorker worker : all()) {
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

	/** Stops every worker at once; returns the entries they had read and not settled. */
	long abandonAll() {
		long abandoned = 0;
		for (StreamWorker worker : all()) {
			abandoned += worker.abandon();
		}
		return abandoned;
	}

	/**
	 * Closes every worker's connection, so that a read under way ends now, and waits for
	 * the threads and connections (and {@code others}) up to the deadline, so that a
	 * client shut down next finds nothing of ours still closing.
	 */
	void close(List<CompletableFuture<?>> others, long deadline) {
		List<StreamWorker> workers = new ArrayList<>(this.live);
		List<CompletableFuture<?>> closing = new ArrayList<>(others);
		workers.forEach((worker) -> closing.add(worker.closeConnection()));
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
			this.log.log(Level.DEBUG, "Connections still closing: " + ex);
		}
	}

	private List<StreamWorker> all() {
		List<StreamWorker> workers = new ArrayList<>(this.readers.values());
		workers.addAll(this.members);
		return workers;
	}

}
