package dev.sluice.autoconfigure.pool;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.sluice.pool.PoolConfig;
import dev.sluice.pool.QueueOverflow;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Sluice's worker pools: {@code sluice.pool.instances.<name>}, each starting from
 * {@code sluice.pool.defaults}.
 */
@ConfigurationProperties("sluice.pool")
public class PoolProperties {

	/**
	 * Settings every pool starts from; a pool's own settings override them.
	 */
	private final Pool defaults = new Pool();

	/**
	 * Worker pools by name, each with the settings of sluice.pool.defaults. A pool is a
	 * bean of that name: inject it with @Qualifier("name"), run methods on it
	 * with @Async("name").
	 */
	private final Map<String, Pool> instances = new LinkedHashMap<>();

	public Pool getDefaults() {
		return this.defaults;
	}

	public Map<String, Pool> getInstances() {
		return this.instances;
	}

	/** The settings of one pool, and of the defaults. */
	public static class Pool {

		/**
		 * Number of worker threads, 1 to 32767.
		 */
		private int workers = 8;

		/**
		 * Number of tasks that may wait for a worker, 0 or more. With 0 a task is
		 * accepted only when a worker is free to take it.
		 */
		private int queueCapacity = 1000;

		/**
		 * What a submission does when every worker is busy and the queue is full: block
		 * (wait up to submit-timeout), reject (fail at once), or caller-runs (the
		 * submitting thread runs it).
		 */
		private QueueOverflow overflow = QueueOverflow.BLOCK;

		/**
		 * How long a submitter waits for queue space when overflow is block.
		 */
		private Duration submitTimeout = Duration.ofSeconds(10);

		/**
		 * Kind of worker thread: platform, or virtual (Java 21 or later; platform
		 * threads, with a warning, on older JVMs).
		 */
		private PoolConfig.Threads threads = PoolConfig.Threads.PLATFORM;

		/**
		 * Whether a task runs in the context of the thread that submitted it: its
		 * deadline (Timeout.call) and, with io.micrometer:context-propagation on the
		 * class path, every registered thread-local (the current observation, the MDC
		 * once an accessor for it is registered). False: tasks run with nothing of the
		 * submitter's.
		 */
		private boolean propagateContext = true;

		/**
		 * Name of the TaskDecorator bean that wraps this pool's tasks. Empty: the
		 * application's TaskDecorator beans, as Spring Boot's own task executor takes
		 * them (a single one as it is, several composed in their order).
		 */
		private @Nullable String taskDecorator;

		/**
		 * Whether each task runs inside a Micrometer Observation named sluice.pool.task
		 * (low-cardinality keys sluice.pool, the pool's name, and outcome, success or
		 * error), a child of the submitter's current observation. Needs an
		 * ObservationRegistry bean; without one, or when false, tasks are not wrapped.
		 */
		private boolean observeTasks = false;

		PoolConfig toConfig() {
			return new PoolConfig(this.workers, this.queueCapacity, this.overflow, this.submitTimeout, this.threads,
					this.propagateContext);
		}

		public int getWorkers() {
			return this.workers;
		}

		public void setWorkers(int workers) {
			this.workers = workers;
		}

		public int getQueueCapacity() {
			return this.queueCapacity;
		}

		public void setQueueCapacity(int queueCapacity) {
			this.queueCapacity = queueCapacity;
		}

		public QueueOverflow getOverflow() {
			return this.overflow;
		}

		public void setOverflow(QueueOverflow overflow) {
			this.overflow = overflow;
		}

		public Duration getSubmitTimeout() {
			return this.submitTimeout;
		}

		public void setSubmitTimeout(Duration submitTimeout) {
			this.submitTimeout = submitTimeout;
		}

		public PoolConfig.Threads getThreads() {
			return this.threads;
		}

		public void setThreads(PoolConfig.Threads threads) {
			this.threads = threads;
		}

		public boolean isPropagateContext() {
			return this.propagateContext;
		}

		public void setPropagateContext(boolean propagateContext) {
			this.propagateContext = propagateContext;
		}

		public @Nullable String getTaskDecorator() {
			return this.taskDecorator;
		}

		public void setTaskDecorator(@Nullable String taskDecorator) {
			this.taskDecorator = taskDecorator;
		}

		public boolean isObserveTasks() {
			return this.observeTasks;
		}

		public void setObserveTasks(boolean observeTasks) {
			this.observeTasks = observeTasks;
		}

	}

}
