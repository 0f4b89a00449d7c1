package dev.sluice.pool;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * One run of {@link WorkerPool#map}: the items are cut into contiguous chunks that the
 * caller and up to one helper per worker claim in turn until none is left.
 *
 * <p>
 * Design notes. {@code nextChunk} hands each chunk to exactly one thread; each result
 * slot is written by that thread only and read by the caller after the helper's future
 * completes, which orders the write before the read. {@code failure} holds the first
 * exception; once set, no thread claims another chunk and every participant is
 * interrupted. The caller waits for every helper that started to end, so no item runs
 * after the batch returns or throws (unless the caller itself is interrupted, which
 * cancels the batch and returns at once). Helpers that a busy pool has not started by the
 * time the caller runs out of chunks are cancelled and taken out of the queue rather than
 * waited for.
 */
final class Batch<T, R> {

	/**
	 * Chunks per participant: enough to even out uneven items, few enough to cost
	 * nothing.
	 */
	private static final int CHUNKS_PER_THREAD = 4;

	private final PoolExecutor executor;

	private final Object[] items;

	private final Function<? super T, ? extends R> function;

	private final Object[] results;

	private final int chunkSize;

	private final int chunks;

	private final AtomicInteger nextChunk = new AtomicInteger();

	private final AtomicReference<Throwable> failure = new AtomicReference<>();

	private final List<Participant> participants = new ArrayList<>();

	private final Callable<Void> share = () -> {
		work();
		return null;
	};

	Batch(PoolExecutor executor, Object[] items, Function<? super T, ? extends R> function) {
		this.executor = executor;
		this.items = items;
		this.function = function;
		this.results = new Object[items.length];
		long threads = executor.getMaximumPoolSize() + 1L;
		int wanted = (int) Math.max(1, Math.min(items.length, threads * CHUNKS_PER_THREAD));
		this.chunkSize = (items.length + wanted - 1) / wanted;
		this.chunks = (this.chunkSize == 0) ? 0 : (items.length + this.chunkSize - 1) / this.chunkSize;
	}

	List<R> run() throws InterruptedException {
		Participant caller = new Participant();
		this.participants.add(caller);
		int helpers = Math.min(this.executor.getMaximumPoolSize(), this.chunks - 1);
		for (int i = 0; i < helpers; i++) {
			Participant helper = new Helper();
			synchronized (this.participants) {
				this.participants.add(helper);
			}
			if (!offer(helper)) {
				helper.cancelIfNotStarted();
				break;
			}
		}
		caller.run();
		for (Participant participant : snapshot()) {
			if (participant == caller) {
				continue;
			}
			Helper helper = (Helper) participant;
			if (helper.cancelIfNotStarted()) {
				// free its queue place: a helper that never ran must not crowd out the
				// pool's own tasks
				this.executor.remove(helper);
				continue;
			}
			try {
				helper.ended.await();
			}
			catch (InterruptedException ex) {
				fail(ex);
				throw ex;
			}
			try {
				helper.join();
			}
			catch (CompletionException ex) {
				// its failure may reach us before the helper itself recorded it: record
				// it, which
				// cancels the others if it is the first
				fail((ex.getCause() != null) ? ex.getCause() : ex);
			}
			catch (CancellationException ex) {
				// cancelled because another participant failed: that failure is rethrown
				// below
			}
		}
		Throwable first = this.failure.get();
		if (first instanceof RuntimeException runtime) {
			throw runtime;
		}
		if (first instanceof Error error) {
			throw error;
		}
		if (first != null) {
			throw new CompletionException(first);
		}
		@SuppressWarnings("unchecked")
		List<R> list = (List<R>) Collections.unmodifiableList(Arrays.asList(this.results));
		return list;
	}

	/**
	 * Offers a helper to the pool; a full or shut-down pool declines it and the caller
	 * does more.
	 */
	private boolean offer(Participant helper) {
		try {
			return this.executor.tryExecute(helper);
		}
		catch (TaskRejectedException ex) {
			return false;
		}
	}

	private List<Participant> snapshot() {
		synchronized (this.participants) {
			return new ArrayList<>(this.participants);
		}
	}

	private void work() {
		int chunk;
		while (this.failure.get() == null && (chunk = this.nextChunk.getAndIncrement()) < this.chunks) {
			int start = (int) Math.min(this.items.length, (long) chunk * this.chunkSize);
			int end = (int) Math.min(this.items.length, (chunk + 1L) * this.chunkSize);
			for (int i = start; i < end; i++) {
				if (this.failure.get() != null) {
					return;
				}
				@SuppressWarnings("unchecked")
				T item = (T) this.items[i];
				this.results[i] = this.function.apply(item);
			}
		}
	}

	private void fail(Throwable ex) {
		if (this.failure.compareAndSet(null, ex)) {
			cancelAll();
		}
	}

	private void cancelAll() {
		for (Participant participant : snapshot()) {
			participant.cancel(true);
		}
	}

	/** The caller's share of the work, and the base of a helper's. */
	private class Participant extends InterruptibleTask<Void> {

		Participant() {
			super(Batch.this.share);
		}

		@Override
		void onFailure(Throwable ex) {
			fail(ex);
		}

	}

	/**
	 * A share of the work run by a pool worker, declined rather than queued when the pool
	 * is full.
	 */
	private final class Helper extends Participant {

		/** Counted down when the helper will run no more of the batch. */
		final CountDownLatch ended = new CountDownLatch(1);

		@Override
		void onEnd() {
			this.ended.countDown();
		}

	}

}
