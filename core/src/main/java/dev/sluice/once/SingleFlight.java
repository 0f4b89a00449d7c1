package dev.sluice.once;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import dev.sluice.timeout.Deadline;

/**
 * Shares one execution among concurrent calls with the same key: Go's
 * {@code x/sync/singleflight}. A cache miss under load then makes one call downstream,
 * not a thousand.
 *
 * <pre>{@code
 * Product product = flights.get(id, () -> catalogue.load(id));
 * }</pre>
 *
 * <ul>
 * <li>The first caller for a key runs the loader on its own thread; callers that arrive
 * while it runs wait for that run and get its result, or its failure (runtime exceptions
 * and errors as they were thrown).</li>
 * <li>Nothing is cached: once the run ends, the next call for the key starts a new
 * run.</li>
 * <li>{@link #get(Object, Supplier, Duration)} bounds how long a waiter waits; the run
 * goes on for the others.</li>
 * </ul>
 *
 * <p>
 * Thread-safe. Keys must have proper {@code equals} and {@code hashCode}.
 *
 * @param <K> the type of the keys
 * @param <V> the type of the values
 */
public final class SingleFlight<K, V> {

	private final ConcurrentHashMap<K, CompletableFuture<V>> inFlight = new ConcurrentHashMap<>();

	/** A group of single flights. */
	public SingleFlight() {
	}

	/**
	 * The loader's value for the key, from a run already in flight for that key or from a
	 * new one.
	 * @throws RuntimeException what the shared run's loader threw
	 */
	public V get(K key, Supplier<? extends V> loader) {
		try {
			return get(key, loader, Duration.ofDays(36_500));
		}
		catch (TimeoutException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Like {@link #get(Object, Supplier)}, but a caller that has to wait for another's
	 * run waits at most the timeout (and no longer than its {@link Deadline}).
	 * @throws TimeoutException if the run in flight did not finish in time
	 */
	public V get(K key, Supplier<? extends V> loader, Duration timeout) throws TimeoutException {
		Objects.requireNonNull(key, "key");
		Objects.requireNonNull(loader, "loader");
		CompletableFuture<V> mine = new CompletableFuture<>();
		CompletableFuture<V> running = this.inFlight.putIfAbsent(key, mine);
		if (running == null) {
			try {
				V value = loader.get();
				mine.complete(value);
				return value;
			}
			catch (Throwable ex) {
				mine.completeExceptionally(ex);
				throw ex;
			}
			finally {
				this.inFlight.remove(key, mine);
			}
		}
		return await(running, timeout);
	}

	/** How many keys have a run in flight now. */
	public int inFlight() {
		return this.inFlight.size();
	}

	private static <V> V await(CompletableFuture<V> running, Duration timeout) throws TimeoutException {
		boolean interrupted = false;
		long deadline = System.nanoTime() + Math.max(0, Deadline.cap(timeout));
		try {
			while (true) {
				try {
					return running.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
				}
				catch (InterruptedException ex) {
					interrupted = true;
				}
				catch (ExecutionException ex) {
					Throwable failure = ex.getCause();
					if (failure instanceof RuntimeException runtime) {
						throw runtime;
					}
					if (failure instanceof Error error) {
						throw error;
					}
					throw new CompletionException(failure);
				}
			}
		}
		finally {
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}
	}

}
