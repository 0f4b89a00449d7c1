package dev.sluice.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * A bounded map of per-key components (the keys of a rate limiter or a bulkhead): at most
 * {@code max} entries beyond those that refuse to go, and entries unused for the idle
 * time are evicted. Not API.
 *
 * <p>
 * Eviction asks the component to retire first ({@code retire}), atomically with its
 * removal (in {@link ConcurrentHashMap#compute}, which excludes a concurrent creation for
 * the same key): a component that refuses (a bulkhead key with permits held) stays. A
 * caller may still get a component just before it retires; the component must then send
 * its caller back here for the key's new one.
 *
 * <p>
 * Design notes. Lookups are a {@code ConcurrentHashMap} read plus, at most once a
 * millisecond (or a sixteenth of the idle time, if shorter), a write of the entry's last
 * use; there is no read buffer and no background thread. Evictions are done by the
 * callers: the one that adds a key beyond {@code max}, and the first caller after each
 * half idle time, sweep the map under a try-lock (others go on without waiting). A sweep
 * over {@code max} evicts the least recently used down to nine tenths of {@code max}, so
 * that it sorts the map at most once per tenth of {@code max} new keys. Hence the bound
 * is {@code max}, plus the keys being added at the moment by other threads, plus those
 * that refused to retire.
 *
 * @param <V> the component of a key
 */
public final class KeyedMap<V> {

	/** The coarsest interval between two writes of an entry's last use. */
	private static final long TOUCH_NANOS = 1_000_000;

	private final ConcurrentHashMap<String, Entry<V>> entries = new ConcurrentHashMap<>();

	private final int max;

	private final long idleNanos;

	private final long touchNanos;

	private final LongSupplier clock;

	private final Function<String, V> create;

	private final Predicate<V> retire;

	private final ReentrantLock sweeping = new ReentrantLock();

	private volatile long nextSweep;

	/**
	 * @param max the most entries kept, beyond those that refuse to retire
	 * @param idleNanos how long an unused entry is kept
	 * @param clock nanoseconds, never going backwards
	 * @param create the component of a new key
	 * @param retire retires a component that is evicted, or answers {@code false} to stay
	 */
	public KeyedMap(int max, long idleNanos, LongSupplier clock, Function<String, V> create, Predicate<V> retire) {
		this.max = max;
		this.idleNanos = Math.max(1, idleNanos);
		// fine enough for the order of least recent use too, and a write per millisecond
		// at most
		this.touchNanos = Math.min(this.idleNanos / 16, TOUCH_NANOS);
		this.clock = clock;
		this.create = create;
		this.retire = retire;
		this.nextSweep = clock.getAsLong() + this.idleNanos / 2;
	}

	/** The component of the key, made now if the key has none. */
	public V get(String key) {
		Objects.requireNonNull(key, "key");
		long now = this.clock.getAsLong();
		Entry<V> entry = this.entries.get(key);
		if (entry == null) {
			entry = this.entries.computeIfAbsent(key, (k) -> new Entry<>(this.create.apply(k), now));
			if (this.entries.size() > this.max) {
				sweep(now, entry);
			}
		}
		else if (now - entry.lastUsed > this.touchNanos) {
			entry.lastUsed = now;
		}
		if (now - this.nextSweep >= 0) {
			sweep(now, entry);
		}
		return entry.value;
	}

	/** How many keys are live now. */
	public int size() {
		return this.entries.size();
	}

	/** Runs the action for each live component. */
	public void forEach(Consumer<V> action) {
		this.entries.values().forEach((entry) -> action.accept(entry.value));
	}

	/**
	 * Retires and removes every component that agrees, such as all of them at shutdown.
	 */
	public void evictAll() {
		for (Map.Entry<String, Entry<V>> entry : this.entries.entrySet()) {
			evict(entry.getKey(), entry.getValue());
		}
	}

	private void sweep(long now, Entry<V> keep) {
		if (!this.sweeping.tryLock()) {
			return;
		}
		try {
			this.nextSweep = now + this.idleNanos / 2;
			List<Map.Entry<String, Entry<V>>> live = new ArrayList<>();
			for (Map.Entry<String, Entry<V>> entry : this.entries.entrySet()) {
				Entry<V> value = entry.getValue();
				if (value != keep && now - value.lastUsed >= this.idleNanos && evict(entry.getKey(), value)) {
					continue;
				}
				live.add(entry);
			}
			int excess = this.entries.size() - this.max;
			if (excess <= 0) {
				return;
			}
			int toEvict = excess + this.max / 10;
			live.sort(Comparator.comparingLong((entry) -> entry.getValue().lastUsed));
			for (Map.Entry<String, Entry<V>> entry : live) {
				if (toEvict <= 0) {
					break;
				}
				if (entry.getValue() != keep && evict(entry.getKey(), entry.getValue())) {
					toEvict--;
				}
			}
		}
		finally {
			this.sweeping.unlock();
		}
	}

	private boolean evict(String key, Entry<V> entry) {
		boolean[] evicted = new boolean[1];
		this.entries.computeIfPresent(key, (k, current) -> {
			if (current == entry && this.retire.test(current.value)) {
				evicted[0] = true;
				return null;
			}
			return current;
		});
		return evicted[0];
	}

	private static final class Entry<V> {

		final V value;

		/** Written at most once per touch interval, so that hot keys stay read-mostly. */
		volatile long lastUsed;

		Entry(V value, long lastUsed) {
			this.value = value;
			this.lastUsed = lastUsed;
		}

	}

}
