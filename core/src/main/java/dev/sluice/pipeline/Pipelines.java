package dev.sluice.pipeline;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Where named pipelines start, and what they have done: the stages' counters, cumulative
 * per pipeline name, and the runs in progress. In Spring one bean of this type serves the
 * whole application, and feeds metrics and {@code /actuator/sluice}.
 *
 * <pre>{@code
 * List<Invoice> invoices = pipelines.from("invoicing", orders)
 *     .map("price", 4, pricing::price)
 *     .filter("billable", 1, Invoice::isBillable)
 *     .toList();
 * }</pre>
 *
 * <p>
 * Thread-safe.
 */
public final class Pipelines {

	private final Map<String, StageCounters> counters = new ConcurrentHashMap<>();

	private final Map<Object, RunningPipeline> running = new ConcurrentHashMap<>();

	private final List<Consumer<StageCounters>> stageListeners = new CopyOnWriteArrayList<>();

	/** An empty set of pipelines. */
	public Pipelines() {
	}

	/** A pipeline of this set, named for metrics, reading from a collection. */
	public <T> Pipeline<T> from(String name, Collection<? extends T> source) {
		return Pipeline.<T>from(source).named(name).trackedBy(this);
	}

	/**
	 * A pipeline of this set, named for metrics, reading from a stream (consumed once).
	 */
	public <T> Pipeline<T> from(String name, Stream<? extends T> source) {
		return Pipeline.<T>from(source).named(name).trackedBy(this);
	}

	/**
	 * A pipeline of this set, named for metrics, reading from a channel until it ends.
	 */
	public <T> Pipeline<T> from(String name, Channel<? extends T> source) {
		return Pipeline.<T>from(source).named(name).trackedBy(this);
	}

	/** Every stage that has run, with its cumulative counters. */
	public List<StageStats> stages() {
		List<StageStats> stats = new ArrayList<>();
		this.counters.values().forEach((stage) -> stats.add(stage.stats()));
		return stats;
	}

	/** The runs in progress now. */
	public List<RunningPipeline> running() {
		return List.copyOf(this.running.values());
	}

	/**
	 * Calls the listener for every stage known now and every stage that first runs later.
	 */
	void onStage(Consumer<StageCounters> listener) {
		this.stageListeners.add(Objects.requireNonNull(listener));
		this.counters.values().forEach(listener);
	}

	StageCounters counters(String pipeline, String stage) {
		String key = pipeline + "\u0000" + stage;
		StageCounters existing = this.counters.get(key);
		if (existing != null) {
			return existing;
		}
		StageCounters created = new StageCounters(pipeline, stage);
		existing = this.counters.putIfAbsent(key, created);
		if (existing != null) {
			return existing;
		}
		this.stageListeners.forEach((listener) -> listener.accept(created));
		return created;
	}

	void started(Object run, RunningPipeline view) {
		this.running.put(run, view);
	}

	void ended(Object run) {
		this.running.remove(run);
	}

	/**
	 * A run in progress.
	 *
	 * @param name the pipeline's name
	 * @param startedAt when it started, in {@code System.currentTimeMillis()}
	 * @param stages the names of its stages, in order
	 */
	public record RunningPipeline(String name, long startedAt, List<String> stages) {
	}

}
