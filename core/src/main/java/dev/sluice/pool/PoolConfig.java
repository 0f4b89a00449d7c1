package dev.sluice.pool;

import java.time.Duration;
import java.util.Locale;

import dev.sluice.InvalidSettingException;

/**
 * Immutable settings of one {@link WorkerPool}. Every value is checked when the config is
 * built, and a bad value fails with a message that names the setting and what is allowed.
 *
 * @param workers how many tasks run at once; 1 to {@value #MAX_WORKERS}
 * @param queueCapacity how many accepted tasks may wait for a worker; 0 means a task is
 * only accepted when a worker is free to take it at once
 * @param overflow what a submission does when all workers are busy and the queue is full
 * @param submitTimeout how long a submitter waits for queue space under
 * {@link QueueOverflow#BLOCK}
 * @param threads which kind of thread the workers are
 * @param propagateContext whether a task runs in the context of the thread that submitted
 * it: its {@link dev.sluice.timeout.Deadline} and, with Micrometer Context Propagation on
 * the class path, every registered thread-local (see
 * {@link dev.sluice.context.CapturedContext}); {@code false} runs tasks with nothing of
 * the submitter's
 */
public record PoolConfig(int workers, int queueCapacity, QueueOverflow overflow, Duration submitTimeout,
		Threads threads, boolean propagateContext) {

	/** Default number of workers. */
	public static final int DEFAULT_WORKERS = 8;

	/**
	 * Most workers a pool may have (the JDK's {@code ForkJoinPool} has the same bound):
	 * each may become a thread, and a setting must not be able to exhaust the threads of
	 * the machine.
	 */
	public static final int MAX_WORKERS = 32_767;

	/** Default queue capacity. */
	public static final int DEFAULT_QUEUE_CAPACITY = 1000;

	/** Default wait for queue space under {@link QueueOverflow#BLOCK}. */
	public static final Duration DEFAULT_SUBMIT_TIMEOUT = Duration.ofSeconds(10);

	/** Settings whose tasks run in the context of their submitter. */
	public PoolConfig(int workers, int queueCapacity, QueueOverflow overflow, Duration submitTimeout, Threads threads) {
		this(workers, queueCapacity, overflow, submitTimeout, threads, true);
	}

	public PoolConfig {
		if (workers < 1 || workers > MAX_WORKERS) {
			throw new InvalidSettingException("workers", workers,
					"workers must be between 1 and " + MAX_WORKERS + ", was " + workers);
		}
		if (queueCapacity < 0) {
			throw new InvalidSettingException("queue-capacity", queueCapacity,
					"queue-capacity must be 0 or more, was " + queueCapacity);
		}
		if (overflow == null) {
			throw new InvalidSettingException("overflow", overflow,
					"overflow must be one of " + QueueOverflow.allowed() + ", was null");
		}
		if (submitTimeout == null || submitTimeout.isNegative()) {
			throw new InvalidSettingException("submit-timeout", submitTimeout,
					"submit-timeout must be a duration of zero or more (such as 500ms or 10s), was " + submitTimeout);
		}
		if (threads == null) {
			throw new InvalidSettingException("threads", threads,
					"threads must be one of " + Threads.allowed() + ", was null");
		}
	}

	/**
	 * The defaults: 8 platform workers, a queue of 1000, submitters wait up to 10s, and
	 * tasks run in their submitter's context.
	 */
	public static PoolConfig defaults() {
		return new PoolConfig(DEFAULT_WORKERS, DEFAULT_QUEUE_CAPACITY, QueueOverflow.BLOCK, DEFAULT_SUBMIT_TIMEOUT,
				Threads.PLATFORM, true);
	}

	/** A copy with another number of workers. */
	public PoolConfig withWorkers(int workers) {
		return new PoolConfig(workers, queueCapacity, overflow, submitTimeout, threads, propagateContext);
	}

	/** A copy with another queue capacity. */
	public PoolConfig withQueueCapacity(int queueCapacity) {
		return new PoolConfig(workers, queueCapacity, overflow, submitTimeout, threads, propagateContext);
	}

	/** A copy with another overflow policy. */
	public PoolConfig withOverflow(QueueOverflow overflow) {
		return new PoolConfig(workers, queueCapacity, overflow, submitTimeout, threads, propagateContext);
	}

	/** A copy with another submit timeout. */
	public PoolConfig withSubmitTimeout(Duration submitTimeout) {
		return new PoolConfig(workers, queueCapacity, overflow, submitTimeout, threads, propagateContext);
	}

	/** A copy with another kind of worker thread. */
	public PoolConfig withThreads(Threads threads) {
		return new PoolConfig(workers, queueCapacity, overflow, submitTimeout, threads, propagateContext);
	}

	/**
	 * A copy that does, or does not, run tasks in the context of their submitter.
	 */
	public PoolConfig withPropagateContext(boolean propagateContext) {
		return new PoolConfig(workers, queueCapacity, overflow, submitTimeout, threads, propagateContext);
	}

	/** The kind of thread a pool's workers run on. */
	public enum Threads {

		/** Ordinary platform threads. */
		PLATFORM,

		/**
		 * Virtual threads, where the JVM has them (Java 21 and later); on an older JVM
		 * the pool falls back to platform threads and says so in
		 * {@link PoolStats#virtualThreads()}.
		 */
		VIRTUAL;

		static String allowed() {
			return "platform, virtual";
		}

		/** The name as written in configuration, such as {@code virtual}. */
		public String configName() {
			return name().toLowerCase(Locale.ROOT);
		}

	}
}
