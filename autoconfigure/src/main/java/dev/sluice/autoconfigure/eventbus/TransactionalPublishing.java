package dev.sluice.autoconfigure.eventbus;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

import dev.sluice.autoconfigure.eventbus.EventBusProperties.TransactionalPublish;
import dev.sluice.eventbus.PublishInterceptor;
import dev.sluice.eventbus.PublishResult;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Holds publishes to {@code after-commit} topics made inside a Spring transaction until
 * it commits ({@code sluice.event-bus.topic.*.transactional}).
 *
 * <ul>
 * <li>A publish to such a topic while a transaction is active (thread-bound: Spring's
 * {@link TransactionSynchronizationManager}, with synchronization on and an actual
 * transaction) returns {@link PublishResult#DEFERRED} and is published when the
 * transaction completes with a commit, on the committing thread, after the commit and
 * before the transaction's resources are released. Publishes of one transaction go out in
 * the order they were made. A publish made in a transaction that joins an outer one waits
 * for the outer one's commit.</li>
 * <li>If the transaction rolls back (or its outcome is unknown), the event is dropped and
 * counted as {@code rolledBack}.</li>
 * <li>A publish refused after the commit (the bus shut down meanwhile, a subscriber under
 * {@code fail} or {@code block} refused it, the Redis transport could not write it)
 * cannot fail the publisher any more, which has moved on: it is counted as {@code failed}
 * and logged (a warning per topic at most every 30 seconds, with the number since the
 * last). It never throws into the transaction manager.</li>
 * <li>Publishes made outside a transaction, and to {@code immediate} topics, go out at
 * once.</li>
 * </ul>
 * For each topic, {@code deferred == published + failed + rolledBack + waiting} at any
 * quiet moment ({@link Stats}). Thread-safe.
 */
final class TransactionalPublishing implements PublishInterceptor {

	private static final Log logger = LogFactory.getLog(TransactionalPublishing.class);

	private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(30);

	private final TransactionalPublish defaults;

	private final Map<String, TransactionalPublish> topics;

	private final Map<String, Counters> counters = new ConcurrentHashMap<>();

	private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

	/**
	 * @param defaults what a topic not named in {@code topics} does
	 * @param topics what each configured topic does
	 */
	TransactionalPublishing(TransactionalPublish defaults, Map<String, TransactionalPublish> topics) {
		this.defaults = defaults;
		this.topics = Collections.unmodifiableMap(new LinkedHashMap<>(topics));
	}

	/** What a topic not configured on its own does. */
	TransactionalPublish defaults() {
		return this.defaults;
	}

	/** What each configured topic does. */
	Map<String, TransactionalPublish> topics() {
		return this.topics;
	}

	@Override
	public PublishResult intercept(String topic, Object event, Publication publication) throws InterruptedException {
		if (this.topics.getOrDefault(topic, this.defaults) != TransactionalPublish.AFTER_COMMIT
				|| !AfterCommit.inTransaction()) {
			return publication.proceed();
		}
		Counters counters = counters(topic);
		AfterCommit.register(topic, publication, counters);
		counters.deferred.increment();
		return PublishResult.DEFERRED;
	}

	/**
	 * The counters of every topic that has had a publish held for a transaction, by
	 * topic.
	 */
	List<Stats> stats() {
		List<Stats> stats = new ArrayList<>();
		this.counters.forEach((topic, counters) -> stats.add(counters.stats(topic)));
		return stats;
	}

	/** The counters of one topic, or all zero if it has had no publish held. */
	Stats stats(String topic) {
		Counters counters = this.counters.get(topic);
		return (counters != null) ? counters.stats(topic) : new Stats(topic, 0, 0, 0, 0, 0);
	}

	/**
	 * Tells the listener of each topic that has counters now and of each that gets them
	 * later (for metrics).
	 */
	void listen(Consumer<String> listener) {
		this.listeners.add(listener);
		this.counters.keySet().forEach(listener);
	}

	private Counters counters(String topic) {
		Counters counters = this.counters.get(topic);
		if (counters != null) {
			return counters;
		}
		Counters made = new Counters();
		Counters existing = this.counters.putIfAbsent(topic, made);
		if (existing != null) {
			return existing;
		}
		this.listeners.forEach((listener) -> listener.accept(topic));
		return made;
	}

	/**
	 * Publishes held for transactions of one topic, by outcome.
	 *
	 * @param topic the topic
	 * @param deferred publishes held for a transaction to commit
	 * @param published held publishes that went out after their transaction committed
	 * @param failed held publishes refused after their transaction committed (logged)
	 * @param rolledBack held publishes dropped because their transaction rolled back, or
	 * ended with an unknown outcome
	 * @param waiting held publishes whose transaction has not ended yet
	 */
	record Stats(String topic, long deferred, long published, long failed, long rolledBack, long waiting) {
	}

	private static final class Counters {

		final LongAdder deferred = new LongAdder();

		final LongAdder published = new LongAdder();

		final LongAdder failed = new LongAdder();

		final LongAdder rolledBack = new LongAdder();

		/**
		 * When a failure was last logged ({@code System.nanoTime()}); guarded by this.
		 */
		private long lastWarned;

		private boolean warned;

		/** Failures since the last warning; guarded by this. */
		private long notLogged;

		Stats stats(String topic) {
			// read the outcomes first, so that waiting is never negative
			long published = this.published.sum();
			long failed = this.failed.sum();
			long rolledBack = this.rolledBack.sum();
			long deferred = this.deferred.sum();
			return new Stats(topic, deferred, published, failed, rolledBack,
					Math.max(0, deferred - published - failed - rolledBack));
		}

		void failed(String topic, Throwable ex) {
			this.failed.increment();
			long now = System.nanoTime();
			long skipped;
			synchronized (this) {
				if (this.warned && now - this.lastWarned < WARN_INTERVAL_NANOS) {
					this.notLogged++;
					if (logger.isDebugEnabled()) {
						logger.debug("An event for topic '" + topic + "' was not published after its transaction"
								+ " committed: " + ex);
					}
					return;
				}
				skipped = this.notLogged;
				this.notLogged = 0;
				this.lastWarned = now;
				this.warned = true;
			}
			logger.warn("An event for topic '" + topic + "' was not published after its transaction committed"
					+ ((skipped > 0) ? " (" + skipped + " more since the last warning)" : "")
					+ "; it is counted as failed: " + ex, (skipped == 0) ? ex : null);
		}

	}

	/**
	 * One held publish: goes out when its transaction commits. The only class here that
	 * names Spring's transaction types, so that the rest loads without spring-tx.
	 */
	private static final class AfterCommit implements TransactionSynchronization {

		private final String topic;

		private final Publication publication;

		private final Counters counters;

		private AfterCommit(String topic, Publication publication, Counters counters) {
			this.topic = topic;
			this.publication = publication;
			this.counters = counters;
		}

		/** Whether this thread runs in a transaction that takes synchronizations. */
		static boolean inTransaction() {
			return TransactionSynchronizationManager.isSynchronizationActive()
					&& TransactionSynchronizationManager.isActualTransactionActive();
		}

		static void register(String topic, Publication publication, Counters counters) {
			TransactionSynchronizationManager.registerSynchronization(new AfterCommit(topic, publication, counters));
		}

		// afterCompletion rather than afterCommit: a synchronization registered while
		// another's afterCommit runs (a publish from an after-commit listener) is still
		// called here, and never in afterCommit
		@Override
		public void afterCompletion(int status) {
			if (status != STATUS_COMMITTED) {
				this.counters.rolledBack.increment();
				if (logger.isDebugEnabled()) {
					logger.debug("An event for topic '" + this.topic + "' was dropped: its transaction "
							+ ((status == STATUS_ROLLED_BACK) ? "rolled back" : "ended with an unknown outcome"));
				}
				return;
			}
			try {
				this.publication.proceed();
				this.counters.published.increment();
			}
			catch (InterruptedException ex) {
				// not ours to clear: the committing thread keeps its interrupt
				Thread.currentThread().interrupt();
				this.counters.failed(this.topic, ex);
			}
			catch (RuntimeException ex) {
				this.counters.failed(this.topic, ex);
			}
		}

	}

}
