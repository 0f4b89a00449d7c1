package dev.sluice.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Stream;

import dev.sluice.pool.TaskGroup;
import dev.sluice.pool.TaskRejectedException;
import dev.sluice.pool.WorkerPool;
import org.jspecify.annotations.Nullable;

/**
 * A pipeline of named stages between bounded buffers: Go's pipeline and fan-out/fan-in,
 * in the plain blocking style, bounded end to end.
 *
 * <pre>{@code
 * List<Row> rows = Pipeline.from(files)
 *     .map("parse", 4, parser::parse)          // 4 workers: fan-out inside the stage, fan-in after it
 *     .filter("valid", 1, Row::isValid)
 *     .flatMap("split", 2, Row::lines)
 *     .toList();
 * }</pre>
 *
 * <ul>
 * <li>Each stage has its own workers and hands its output to the next through a buffer of
 * {@link #buffer(int)} items. A slow stage fills the buffer before it, which stops the
 * stage before that, and so on back to the source: memory is bounded by the buffers.</li>
 * <li>Without {@link #keepOrder()}, items leave a stage with several workers in the order
 * they are done; with it, the output keeps the order of the source.</li>
 * <li>The first failure, in the source, a stage or the sink, stops every stage, and is
 * what the terminal call throws (runtime exceptions and errors as they were thrown).
 * Interrupting the caller, or a timeout passed to the terminal call, stops every stage
 * too.</li>
 * <li>Every thread the pipeline uses has ended (or, on a pool, is back in it) when the
 * terminal call returns or throws. Stages run on threads of their own, or on the
 * {@link #on(Executor) executor} given, which then needs a worker for the source, every
 * stage worker and the sink at once. A {@code WorkerPool} with fewer workers than that is
 * refused when the pipeline runs. The parts are offered to a {@code WorkerPool} without
 * its overflow policy ({@link WorkerPool#tryExecute}): a pool with no free worker or
 * queue place for one of them fails the run at once with a {@code TaskRejectedException},
 * and a part never runs on the calling thread, whatever the pool's policy. Parts queued
 * behind other work start when workers come free; a run on a pool that is busy elsewhere,
 * or that runs the pipeline from one of its own tasks, may therefore start only part of
 * itself for a while, so give such a run a timeout: the timeout bounds the run whatever
 * the pool does. Any other executor must run each part on another thread and must not
 * block in {@code execute}: a part run on the calling thread fails the run with an
 * {@link IllegalStateException}.</li>
 * </ul>
 *
 * <p>
 * A {@code Pipeline} is an immutable description: each call returns a new one, and it
 * runs when a terminal call ({@link #toList()}, {@link #forEach}, {@link #to}) is made. A
 * pipeline over a collection can run many times; one over a stream or channel, once.
 *
 * <p>
 * Design notes. Workers move items in batches of up to {@value #BATCH} (and never more
 * than a buffer holds), so a hand-off costs one lock per batch rather than per item, and
 * no thread holds more than a buffer's worth of source items between hand-offs (a
 * {@code flatMap} that turns one item into many holds all of them, and in an ordered run
 * they travel together). When any part of a run fails, every buffer is closed, so that no
 * part can wait on a buffer that nobody serves any more. Each stage's last worker to
 * finish closes the stage's output. Ordered runs carry each source item's index through
 * the stages in an envelope (holding the zero or more values that item has become) and
 * put them back in order at the sink; the source may run at most a window of items ahead
 * of the sink, so the reordering memory is bounded too.
 *
 * @param <T> the type of the items this pipeline produces
 */
public final class Pipeline<T> {

	/** Most items moved per hand-off between stages; never more than the buffer holds. */
	static final int BATCH = 1024;

	/** Items each buffer between stages holds, unless set with {@link #buffer(int)}. */
	public static final int DEFAULT_BUFFER = 1024;

	/**
	 * Most workers one stage may have: each is a thread, or a pool worker, for the whole
	 * run.
	 */
	public static final int MAX_STAGE_WORKERS = 10_000;

	private final Source source;

	private final List<StageSpec> stages;

	private final String name;

	private final int buffer;

	private final boolean keepOrder;

	private final @Nullable Executor executor;

	private final @Nullable Pipelines tracker;

	private Pipeline(Source source, List<StageSpec> stages, String name, int buffer, boolean keepOrder,
			@Nullable Executor executor, @Nullable Pipelines tracker) {
		this.source = source;
		this.stages = stages;
		this.name = name;
		this.buffer = buffer;
		this.keepOrder = keepOrder;
		this.executor = executor;
		this.tracker = tracker;
	}

	/** A pipeline reading from a collection; it may run many times. */
	public static <T> Pipeline<T> from(Collection<? extends T> items) {
		Objects.requireNonNull(items, "items");
		return new Pipeline<>(items::iterator, List.of(), "pipeline", DEFAULT_BUFFER, false, null, null);
	}

	/** A pipeline reading from a stream, which it consumes when it runs. */
	public static <T> Pipeline<T> from(Stream<? extends T> items) {
		Objects.requireNonNull(items, "items");
		Iterator<? extends T> iterator = items.iterator();
		return new Pipeline<>(() -> iterator, List.of(), "pipeline", DEFAULT_BUFFER, false, null, null);
	}

	/** A pipeline reading from a channel until the channel ends. */
	public static <T> Pipeline<T> from(Channel<? extends T> items) {
		return new Pipeline<>(new ChannelSource(Objects.requireNonNull(items, "items")), List.of(), "pipeline",
				DEFAULT_BUFFER, false, null, null);
	}

	/** A stage that maps each item with {@code workers} threads. */
	public <R> Pipeline<R> map(String stage, int workers, Function<? super T, ? extends R> function) {
		Objects.requireNonNull(function, "function");
		return stage(stage, workers, (item, out) -> out.add(function.apply(cast(item))));
	}

	/**
	 * A stage that keeps the items the predicate accepts, with {@code workers} threads.
	 */
	public Pipeline<T> filter(String stage, int workers, Predicate<? super T> predicate) {
		Objects.requireNonNull(predicate, "predicate");
		return stage(stage, workers, (item, out) -> {
			if (predicate.test(cast(item))) {
				out.add(item);
			}
		});
	}

	/**
	 * A stage that turns each item into zero or more items, with {@code workers} threads.
	 */
	public <R> Pipeline<R> flatMap(String stage, int workers,
			Function<? super T, ? extends Iterable<? extends R>> function) {
		Objects.requireNonNull(function, "function");
		return stage(stage, workers, (item, out) -> {
			for (R result : function.apply(cast(item))) {
				out.add(result);
			}
		});
	}

	/** The same pipeline with buffers of {@code items} between stages (at least 1). */
	public Pipeline<T> buffer(int items) {
		if (items < 1) {
			throw new IllegalArgumentException("buffer must be at least 1, was " + items);
		}
		return new Pipeline<>(this.source, this.stages, this.name, items, this.keepOrder, this.executor, this.tracker);
	}

	/** The same pipeline, producing its items in the order of the source. */
	public Pipeline<T> keepOrder() {
		return new Pipeline<>(this.source, this.stages, this.name, this.buffer, true, this.executor, this.tracker);
	}

	/**
	 * The same pipeline, running on the given executor (such as a {@code WorkerPool}).
	 */
	public Pipeline<T> on(Executor executor) {
		return new Pipeline<>(this.source, this.stages, this.name, this.buffer, this.keepOrder,
				Objects.requireNonNull(executor, "executor"), this.tracker);
	}

	/**
	 * The same pipeline under another name, used in thread names, metrics and the
	 * actuator.
	 */
	public Pipeline<T> named(String name) {
		if (name == null || name.isBlank()) {
			throw new IllegalArgumentException("name must not be blank");
		}
		return new Pipeline<>(this.source, this.stages, name, this.buffer, this.keepOrder, this.executor, this.tracker);
	}

	Pipeline<T> trackedBy(Pipelines tracker) {
		return new Pipeline<>(this.source, this.stages, this.name, this.buffer, this.keepOrder, this.executor, tracker);
	}

	@SuppressWarnings("unchecked")
	private static <T> T cast(Object item) {
		return (T) item;
	}

	private <R> Pipeline<R> stage(String stage, int workers, StageFunction function) {
		if (stage == null || stage.isBlank()) {
			throw new IllegalArgumentException("stage name must not be blank");
		}
		if (workers < 1 || workers > MAX_STAGE_WORKERS) {
			throw new IllegalArgumentException(
					"workers of stage '" + stage + "' must be between 1 and " + MAX_STAGE_WORKERS + ", was " + workers);
		}
		for (StageSpec existing : this.stages) {
			if (existing.name.equals(stage)) {
				throw new IllegalArgumentException("Two stages are named '" + stage + "'");
			}
		}
		List<StageSpec> stages = new ArrayList<>(this.stages);
		stages.add(new StageSpec(stage, workers, function));
		return new Pipeline<>(this.source, List.copyOf(stages), this.name, this.buffer, this.keepOrder, this.executor,
				this.tracker);
	}

	/**
	 * Runs the pipeline and collects what it produces.
	 * @throws InterruptedException if the caller is interrupted; every stage is stopped
	 * first
	 */
	public List<T> toList() throws InterruptedException {
		List<T> results = new ArrayList<>();
		try {
			run((item) -> results.add(cast(item)), null);
			return Collections.unmodifiableList(results);
		}
		catch (TimeoutException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Runs the pipeline with a time limit and collects what it produces.
	 * @throws TimeoutException if it did not finish in time; every stage is stopped first
	 * @throws InterruptedException if the caller is interrupted; every stage is stopped
	 * first
	 */
	public List<T> toList(Duration timeout) throws InterruptedException, TimeoutException {
		List<T> results = new ArrayList<>();
		run((item) -> results.add(cast(item)), timeout);
		return Collections.unmodifiableList(results);
	}

	/**
	 * Runs the pipeline and hands each item it produces to the consumer, on one pipeline
	 * thread, one at a time. A consumer that throws stops the pipeline.
	 * @throws InterruptedException if the caller is interrupted; every stage is stopped
	 * first
	 */
	public void forEach(Consumer<? super T> consumer) throws InterruptedException {
		Objects.requireNonNull(consumer, "consumer");
		try {
			run((item) -> consumer.accept(cast(item)), null);
		}
		catch (TimeoutException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Runs the pipeline and sends each item it produces into the channel, waiting while
	 * the channel is full; closes the channel when the pipeline ends, normally or not.
	 * @throws InterruptedException if the caller is interrupted; every stage is stopped
	 * first
	 */
	public void to(Channel<? super T> channel) throws InterruptedException {
		Objects.requireNonNull(channel, "channel");
		try {
			forEach((item) -> {
				try {
					channel.sendAll(List.of(item));
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new CompletionException(ex);
				}
			});
		}
		finally {
			channel.close();
		}
	}

	private void run(Consumer<Object> sink, @Nullable Duration timeout) throws InterruptedException, TimeoutException {
		long threads = 2 + this.stages.stream().mapToLong(StageSpec::workers).sum();
		if (this.executor instanceof WorkerPool pool && pool.config().workers() < threads) {
			throw new IllegalArgumentException("Pipeline '" + this.name + "' needs " + threads
					+ " threads at once (the source, every stage worker and the sink) but pool '" + pool.name()
					+ "' has " + pool.config().workers() + " workers");
		}
		Object run = new Object();
		if (this.tracker != null) {
			this.tracker.started(run, new Pipelines.RunningPipeline(this.name, System.currentTimeMillis(),
					this.stages.stream().map((stage) -> stage.name).toList()));
		}
		Run execution = null;
		try (TaskGroup group = (this.executor != null) ? TaskGroup.on(parts(this.executor)) : TaskGroup.create()) {
			execution = new Run(group, sink);
			execution.start();
			if (timeout != null) {
				group.join(timeout);
			}
			else {
				group.join();
			}
		}
		catch (ExecutionException ex) {
			Throwable failure = (execution != null && execution.failure.get() != null) ? execution.failure.get()
					: ex.getCause();
			if (failure instanceof CompletionException && failure.getCause() instanceof InterruptedException) {
				throw (InterruptedException) failure.getCause();
			}
			if (failure instanceof RuntimeException runtime) {
				throw runtime;
			}
			if (failure instanceof Error error) {
				throw error;
			}
			throw new CompletionException(failure);
		}
		finally {
			if (this.tracker != null) {
				this.tracker.ended(run);
				for (StageSpec stage : this.stages) {
					this.tracker.counters(this.name, stage.name).output = null;
				}
			}
		}
	}

	/**
	 * Where the parts of a run are started: a pool without its overflow policy, so that
	 * forking never waits for room and never runs a part on the calling thread; any other
	 * executor as it is.
	 */
	private Executor parts(Executor executor) {
		if (!(executor instanceof WorkerPool pool)) {
			return executor;
		}
		return (part) -> {
			if (!pool.tryExecute(part)) {
				throw new TaskRejectedException(pool.name(), TaskRejectedException.Reason.QUEUE_FULL,
						"Pool '" + pool.name() + "' has no free worker or queue place for a part of pipeline '"
								+ this.name + "', which needs a worker for each of its parts at once",
						null);
			}
		};
	}

	/** What one stage does with one item: add zero or more results to {@code out}. */
	@FunctionalInterface
	private interface StageFunction {

		void apply(Object item, List<Object> out);

	}

	/** Where a run reads its items from. */
	@FunctionalInterface
	private interface Source {

		Iterator<?> open();

	}

	/**
	 * A channel source, read in batches rather than item by item, so that nothing waits
	 * in a batch.
	 */
	private record ChannelSource(Channel<?> channel) implements Source {

		@Override
		public Iterator<?> open() {
			return this.channel.iterator();
		}
	}

	private record StageSpec(String name, int workers, StageFunction function) {
	}

	/**
	 * An item of an ordered run: the source index, and the values that source item has
	 * become.
	 */
	private record Envelope(long index, List<Object> values) {
	}

	/** One execution of the pipeline. */
	private final class Run {

		private final TaskGroup group;

		private final Consumer<Object> sink;

		private final List<Channel<Object>> channels = new ArrayList<>();

		/** Ordered runs only: how far the source may run ahead of the sink. */
		private final @Nullable Semaphore window;

		/** The first part to fail, and why. */
		final AtomicReference<Throwable> failure = new AtomicReference<>();

		/** The thread starting the parts, while it does: no part may run on it. */
		private volatile @Nullable Thread starter;

		/**
		 * Items per hand-off: no thread holds more than a buffer's worth between two
		 * hand-offs.
		 */
		private final int batch = Math.min(BATCH, buffer);

		Run(TaskGroup group, Consumer<Object> sink) {
			this.group = group;
			this.sink = sink;
			for (int i = 0; i <= stages.size(); i++) {
				this.channels.add(Channel.bounded(buffer));
			}
			// every buffer full of single items: a bound on what can be between source
			// and sink
			this.window = keepOrder
					? new Semaphore((int) Math.min(Integer.MAX_VALUE, (long) buffer * (stages.size() + 1))) : null;
		}

		/**
		 * Runs a part of the pipeline; if it fails, closes every buffer, so that a part
		 * that swallowed its interrupt cannot wait forever on a buffer that nobody will
		 * drain or fill again.
		 */
		private void fork(Callable<Void> part) {
			this.group.fork(() -> {
				try {
					if (Thread.currentThread() == this.starter) {
						throw new IllegalStateException("Pipeline '" + name + "': the executor ran a part on the"
								+ " thread that started the run (a caller-runs policy, or a direct executor); the"
								+ " parts of a pipeline run at the same time, so each needs a thread of its own");
					}
					return part.call();
				}
				catch (Throwable ex) {
					// record the failure before closing, so that the closed buffers' own
					// complaints in
					// the other parts can never pass for the cause
					this.failure.compareAndSet(null, ex);
					this.channels.forEach(Channel::close);
					throw ex;
				}
			});
		}

		void start() {
			this.starter = Thread.currentThread();
			try {
				startParts();
			}
			finally {
				this.starter = null;
			}
		}

		private void startParts() {
			fork(() -> {
				source();
				return null;
			});
			for (int s = 0; s < stages.size(); s++) {
				StageSpec spec = stages.get(s);
				StageCounters counters = (tracker != null) ? tracker.counters(name, spec.name)
						: new StageCounters(name, spec.name);
				counters.workers = spec.workers;
				counters.output = this.channels.get(s + 1);
				Channel<Object> input = this.channels.get(s);
				Channel<Object> output = this.channels.get(s + 1);
				AtomicInteger working = new AtomicInteger(spec.workers);
				for (int w = 0; w < spec.workers; w++) {
					fork(() -> {
						try {
							stage(spec, counters, input, output);
						}
						finally {
							if (working.decrementAndGet() == 0) {
								output.close();
							}
						}
						return null;
					});
				}
			}
			fork(() -> {
				sink(this.channels.get(stages.size()));
				return null;
			});
		}

		private void source() throws InterruptedException {
			Channel<Object> first = this.channels.get(0);
			try {
				if (source instanceof ChannelSource channelSource && this.window == null) {
					List<?> items;
					while (!(items = channelSource.channel.receiveAtMost(this.batch)).isEmpty()) {
						first.sendAll(items);
					}
					return;
				}
				Iterator<?> items = source.open();
				List<Object> batch = new ArrayList<>(this.batch);
				long index = 0;
				while (items.hasNext()) {
					Object item = Objects.requireNonNull(items.next(), "the source produced null");
					if (this.window != null) {
						if (!this.window.tryAcquire()) {
							// hand over what we hold before waiting, or the sink could
							// wait for it forever
							first.sendAll(batch);
							batch = new ArrayList<>(this.batch);
							this.window.acquire();
						}
						item = new Envelope(index++, List.of(item));
					}
					batch.add(item);
					if (batch.size() == this.batch) {
						first.sendAll(batch);
						batch = new ArrayList<>(this.batch);
					}
				}
				first.sendAll(batch);
			}
			finally {
				first.close();
			}
		}

		private void stage(StageSpec spec, StageCounters counters, Channel<Object> input, Channel<Object> output)
				throws InterruptedException {
			List<Object> batch;
			while (!(batch = input.receiveAtMost(this.batch)).isEmpty()) {
				long start = System.nanoTime();
				List<Object> results = new ArrayList<>(batch.size());
				int produced = 0;
				for (Object item : batch) {
					if (item instanceof Envelope envelope) {
						List<Object> values = new ArrayList<>(envelope.values.size());
						for (Object value : envelope.values) {
							spec.function.apply(value, values);
						}
						produced += values.size();
						results.add(new Envelope(envelope.index, values));
					}
					else {
						int before = results.size();
						spec.function.apply(item, results);
						produced += results.size() - before;
					}
				}
				counters.nanos.add(System.nanoTime() - start);
				counters.in.add(batch.size());
				counters.out.add(produced);
				output.sendAll(results);
			}
		}

		private void sink(Channel<Object> last) throws InterruptedException {
			TreeMap<Long, List<Object>> waiting = new TreeMap<>();
			long next = 0;
			List<Object> batch;
			while (!(batch = last.receiveAtMost(this.batch)).isEmpty()) {
				for (Object item : batch) {
					if (item instanceof Envelope envelope) {
						waiting.put(envelope.index, envelope.values);
						List<Object> values;
						while ((values = waiting.remove(next)) != null) {
							values.forEach(this.sink);
							next++;
							Objects.requireNonNull(this.window).release();
						}
					}
					else {
						this.sink.accept(item);
					}
				}
			}
		}

	}

}
