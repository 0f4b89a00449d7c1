package dev.sluice.eventbus;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Model checking and stress testing of a {@link Subscriber}'s mailbox with Lincheck,
 * under each {@link BufferOverflow} policy ({@code BLOCK} with a zero publish timeout),
 * on a buffer of 1, so that two offers without a drain between them already overflow
 * ({@code close} is in a scenario at most once, for the same reason: after it every offer
 * is refused). The dispatcher only records the drain tasks it is given; the {@code drain}
 * operation runs the one recorded (there is at most one at a time), as a dispatcher
 * thread would. The handler fails on every third event, which counts it as failed.
 *
 * <ul>
 * <li>{@link Mailbox}: {@code offer}, {@code close} and {@code drain}, checked against
 * {@link MailboxModel}, a FIFO of the buffer's size with the policy applied when it is
 * full, a flag for "a drain task is scheduled", and {@code drain} handing every waiting
 * event to the handler in order. A drain swaps the buffer for an empty one and delivers
 * without the lock, so while it runs publishers have a second buffer's worth of room, and
 * a close stops it between two events: neither has a sequential counterpart, so here a
 * drain excludes the other operations (a test-level read-write lock: publishers and
 * {@code close} share it, {@code drain} takes it alone). Publishers still race each other
 * and {@code close}.</li>
 * <li>{@link Unrestricted}: the same operations with nothing excluded, with invariants
 * instead of a model: every accepted event is handed to the handler at most once, in the
 * order each publisher offered it, or is still counted as dropped, discarded or queued;
 * once {@code close} has returned, a drain delivers at most the one event it was already
 * handing over; and once closed, with no operation under way, nothing is left
 * queued.</li>
 * </ul>
 *
 * <p>
 * Both check, after each scenario part, the accounting identity of
 * {@link SubscriberStats}:
 * {@code offered == delivered + droppedNewest + droppedOldest + rejected + discarded + failed + queued}.
 *
 * <p>
 * Time budget: about 40s for the class on 2 cores. The stress runs use two threads: more
 * threads than cores make Lincheck's spinning threads wait out each other's time slices,
 * ten times slower.
 */
class SubscriberLincheckTest {

	/**
	 * Each scenario's subscribers log their first failure: thousands here, so silence
	 * them while this class runs (and only then: other tests read that log).
	 */
	private static final Logger EVENT_BUS_LOGGER = Logger.getLogger(EventBus.class.getName());

	private static Level levelBefore;

	@BeforeAll
	static void silenceFailureLog() {
		levelBefore = EVENT_BUS_LOGGER.getLevel();
		EVENT_BUS_LOGGER.setLevel(Level.OFF);
	}

	@AfterAll
	static void restoreFailureLog() {
		EVENT_BUS_LOGGER.setLevel(levelBefore);
	}

	static final int BUFFER = 1;

	@Test
	void dropNewestModelChecking() {
		modelChecking(MailboxDropNewest.class, MailboxModelDropNewest.class);
		modelChecking(UnrestrictedDropNewest.class, Unchecked.class);
	}

	@Test
	void dropNewestStress() {
		stress(MailboxDropNewest.class, MailboxModelDropNewest.class);
		stress(UnrestrictedDropNewest.class, Unchecked.class);
	}

	@Test
	void dropOldestModelChecking() {
		modelChecking(MailboxDropOldest.class, MailboxModelDropOldest.class);
		modelChecking(UnrestrictedDropOldest.class, Unchecked.class);
	}

	@Test
	void dropOldestStress() {
		stress(MailboxDropOldest.class, MailboxModelDropOldest.class);
		stress(UnrestrictedDropOldest.class, Unchecked.class);
	}

	@Test
	void failModelChecking() {
		modelChecking(MailboxFail.class, MailboxModelFail.class);
		modelChecking(UnrestrictedFail.class, Unchecked.class);
	}

	@Test
	void failStress() {
		stress(MailboxFail.class, MailboxModelFail.class);
		stress(UnrestrictedFail.class, Unchecked.class);
	}

	@Test
	void blockModelChecking() {
		modelChecking(MailboxBlock.class, MailboxModelBlock.class);
		modelChecking(UnrestrictedBlock.class, Unchecked.class);
	}

	@Test
	void blockStress() {
		stress(MailboxBlock.class, MailboxModelBlock.class);
		stress(UnrestrictedBlock.class, Unchecked.class);
	}

	private static void modelChecking(Class<?> target, Class<?> model) {
		new ModelCheckingOptions().iterations(4)
			.invocationsPerIteration(25)
			.threads(2)
			.actorsPerThread(3)
			.actorsBefore(1)
			.actorsAfter(1)
			.sequentialSpecification(model)
			.check(target);
	}

	private static void stress(Class<?> target, Class<?> model) {
		new StressOptions().iterations(6)
			.invocationsPerIteration(200)
			.threads(2)
			.actorsPerThread(3)
			.actorsBefore(2)
			.actorsAfter(2)
			.sequentialSpecification(model)
			.check(target);
	}

	/** The handler fails on every third event. */
	static boolean failsOn(int event) {
		return event % 3 == 0;
	}

	/**
	 * What the handler throws; without a stack trace, which would only cost time here.
	 */
	static final class HandlerFailure extends RuntimeException {

		private static final long serialVersionUID = 1L;

		HandlerFailure(int event) {
			super("handler fails on " + event, null, false, false);
		}

	}

	/**
	 * A subscriber whose dispatcher records tasks, and whose handler records what it is
	 * handed.
	 */
	public abstract static class Target {

		final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

		/**
		 * Events handed to the handler, in order; touched only by the one drain running.
		 */
		final List<Integer> handled = new ArrayList<>();

		final Subscriber subscriber;

		Target(BufferOverflow overflow) {
			SubscriberOptions options = new SubscriberOptions("lincheck", BUFFER, overflow, Duration.ZERO);
			this.subscriber = new Subscriber("topic", options, Integer.class, this::handle, this.tasks::add, null);
		}

		void handle(Object event) {
			int value = (Integer) event;
			this.handled.add(value);
			if (failsOn(value)) {
				throw new HandlerFailure(value);
			}
		}

		String offerEvent(int event) {
			try {
				return this.subscriber.offer(event, 0, null).name();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return "interrupted";
			}
		}

		/**
		 * Runs the recorded drain task, if there is one, and returns what it handed to
		 * the handler.
		 */
		String runDrain() {
			Runnable task = this.tasks.poll();
			if (task == null) {
				return "no task";
			}
			int from = this.handled.size();
			task.run();
			List<String> handed = new ArrayList<>();
			for (int event : this.handled.subList(from, this.handled.size())) {
				handed.add(failsOn(event) ? event + " failed" : String.valueOf(event));
			}
			return handed.toString();
		}

		/**
		 * offered == delivered + droppedNewest + droppedOldest + rejected + discarded +
		 * failed + queued.
		 */
		void checkAccounting() {
			SubscriberStats stats = this.subscriber.stats();
			long settled = stats.delivered() + stats.droppedNewest() + stats.droppedOldest() + stats.rejected()
					+ stats.discarded() + stats.failed() + stats.queued();
			if (stats.offered() != settled) {
				throw new IllegalStateException("offered " + stats.offered() + " != settled " + settled + ": " + stats);
			}
		}

	}

	/** Offers and close share a lock that a drain takes alone. */
	public abstract static class Mailbox extends Target {

		private final ReentrantReadWriteLock drainAlone = new ReentrantReadWriteLock();

		Mailbox(BufferOverflow overflow) {
			super(overflow);
		}

		@Operation
		public String offer(@Param(gen = IntGen.class, conf = "1:6") int event) {
			this.drainAlone.readLock().lock();
			try {
				return offerEvent(event);
			}
			finally {
				this.drainAlone.readLock().unlock();
			}
		}

		@Operation(runOnce = true)
		public void close() {
			this.drainAlone.readLock().lock();
			try {
				this.subscriber.close();
			}
			finally {
				this.drainAlone.readLock().unlock();
			}
		}

		@Operation
		public String drain() {
			this.drainAlone.writeLock().lock();
			try {
				return runDrain();
			}
			finally {
				this.drainAlone.writeLock().unlock();
			}
		}

		@Validate
		public void accounting() {
			checkAccounting();
		}

	}

	public static class MailboxDropNewest extends Mailbox {

		public MailboxDropNewest() {
			super(BufferOverflow.DROP_NEWEST);
		}

	}

	public static class MailboxDropOldest extends Mailbox {

		public MailboxDropOldest() {
			super(BufferOverflow.DROP_OLDEST);
		}

	}

	public static class MailboxFail extends Mailbox {

		public MailboxFail() {
			super(BufferOverflow.FAIL);
		}

	}

	public static class MailboxBlock extends Mailbox {

		public MailboxBlock() {
			super(BufferOverflow.BLOCK);
		}

	}

	/**
	 * The mailbox in sequence: a bounded FIFO, the policy, and whether a drain task is
	 * scheduled.
	 */
	public abstract static class MailboxModel {

		private final BufferOverflow overflow;

		private final ArrayDeque<Integer> waiting = new ArrayDeque<>();

		private boolean scheduled;

		private boolean closed;

		MailboxModel(BufferOverflow overflow) {
			this.overflow = overflow;
		}

		public String offer(int event) {
			if (this.closed) {
				return "NOT_SUBSCRIBED";
			}
			String outcome = "QUEUED";
			if (this.waiting.size() == BUFFER) {
				switch (this.overflow) {
					case DROP_NEWEST -> {
						return "DROPPED_NEWEST";
					}
					case DROP_OLDEST -> {
						this.waiting.removeFirst();
						outcome = "DROPPED_OLDEST";
					}
					case FAIL, BLOCK -> {
						return "REJECTED";
					}
				}
			}
			this.waiting.addLast(event);
			this.scheduled = true;
			return outcome;
		}

		public void close() {
			this.closed = true;
			this.waiting.clear();
		}

		public String drain() {
			if (!this.scheduled) {
				return "no task";
			}
			this.scheduled = false;
			List<String> handed = new ArrayList<>();
			while (!this.waiting.isEmpty()) {
				int event = this.waiting.removeFirst();
				handed.add(failsOn(event) ? event + " failed" : String.valueOf(event));
			}
			return handed.toString();
		}

	}

	public static class MailboxModelDropNewest extends MailboxModel {

		public MailboxModelDropNewest() {
			super(BufferOverflow.DROP_NEWEST);
		}

	}

	public static class MailboxModelDropOldest extends MailboxModel {

		public MailboxModelDropOldest() {
			super(BufferOverflow.DROP_OLDEST);
		}

	}

	public static class MailboxModelFail extends MailboxModel {

		public MailboxModelFail() {
			super(BufferOverflow.FAIL);
		}

	}

	public static class MailboxModelBlock extends MailboxModel {

		public MailboxModelBlock() {
			super(BufferOverflow.BLOCK);
		}

	}

	/**
	 * Nothing excluded; results are not compared with a model (the operations return
	 * nothing), the invariants are checked instead. Each offer publishes a new event
	 * number, so that events can be told apart; publishers are told apart by Lincheck's
	 * thread id.
	 */
	public abstract static class Unrestricted extends Target {

		private final AtomicInteger nextEvent = new AtomicInteger();

		/**
		 * Events whose offer queued them (QUEUED or DROPPED_OLDEST), by publisher, in
		 * offer order.
		 */
		private final Map<Integer, List<Integer>> accepted = new ConcurrentHashMap<>();

		/** Set when {@code close} has returned. */
		private volatile boolean closeReturned;

		/**
		 * Events handed to the handler after {@code close} returned, by one drain; at
		 * most 1 each.
		 */
		private final AtomicInteger lateDeliveries = new AtomicInteger();

		private volatile int worstLateDeliveries;

		Unrestricted(BufferOverflow overflow) {
			super(overflow);
		}

		@Override
		void handle(Object event) {
			if (this.closeReturned) {
				this.lateDeliveries.incrementAndGet();
			}
			super.handle(event);
		}

		@Operation
		public void offer(@Param(gen = ThreadIdGen.class) int publisher) {
			int event = this.nextEvent.incrementAndGet();
			String outcome = offerEvent(event);
			if (outcome.equals("QUEUED") || outcome.equals("DROPPED_OLDEST")) {
				record(publisher, event);
			}
		}

		void record(int publisher, int event) {
			this.accepted.computeIfAbsent(publisher, (key) -> new ArrayList<>()).add(event);
		}

		@Operation(runOnce = true)
		public void close() {
			this.subscriber.close();
			this.closeReturned = true;
		}

		@Operation(nonParallelGroup = "dispatcher")
		public void drain() {
			this.lateDeliveries.set(0);
			runDrain();
			this.worstLateDeliveries = Math.max(this.worstLateDeliveries, this.lateDeliveries.get());
		}

		@Validate
		public void invariants() {
			checkAccounting();
			SubscriberStats stats = this.subscriber.stats();
			List<Integer> handled = new ArrayList<>(this.handled);
			Set<Integer> acceptedEvents = new HashSet<>();
			this.accepted.values().forEach(acceptedEvents::addAll);
			Set<Integer> seen = new HashSet<>();
			for (int event : handled) {
				if (!seen.add(event)) {
					throw new IllegalStateException("event " + event + " handed to the handler twice: " + handled);
				}
				if (!acceptedEvents.contains(event)) {
					throw new IllegalStateException("event " + event + " handed over but never accepted");
				}
			}
			for (List<Integer> events : this.accepted.values()) {
				List<Integer> order = new ArrayList<>(handled);
				order.retainAll(events);
				List<Integer> expected = new ArrayList<>(events);
				expected.retainAll(order);
				if (!order.equals(expected)) {
					throw new IllegalStateException(
							"a publisher's events handed over as " + order + ", offered as " + events);
				}
			}
			if (stats.delivered() + stats.failed() != handled.size()) {
				throw new IllegalStateException(handled.size() + " handed over, but " + stats);
			}
			long unhanded = acceptedEvents.size() - handled.size();
			if (unhanded != stats.droppedOldest() + stats.discarded() + stats.queued()) {
				throw new IllegalStateException(unhanded + " accepted events not handed over, but " + stats);
			}
			if (this.worstLateDeliveries > 1) {
				throw new IllegalStateException(this.worstLateDeliveries + " events handed over after close returned");
			}
			if (this.closeReturned && stats.queued() != 0) {
				throw new IllegalStateException("closed, but " + stats.queued() + " still queued: " + stats);
			}
		}

	}

	public static class UnrestrictedDropNewest extends Unrestricted {

		public UnrestrictedDropNewest() {
			super(BufferOverflow.DROP_NEWEST);
		}

	}

	public static class UnrestrictedDropOldest extends Unrestricted {

		public UnrestrictedDropOldest() {
			super(BufferOverflow.DROP_OLDEST);
		}

	}

	public static class UnrestrictedFail extends Unrestricted {

		public UnrestrictedFail() {
			super(BufferOverflow.FAIL);
		}

	}

	public static class UnrestrictedBlock extends Unrestricted {

		public UnrestrictedBlock() {
			super(BufferOverflow.BLOCK);
		}

	}

	/**
	 * The "model" of {@link Unrestricted}, whose operations return nothing: it accepts
	 * every history, and the invariants decide. (Without it Lincheck would replay the
	 * subscriber itself.)
	 */
	public static class Unchecked {

		public void offer(int publisher) {
		}

		public void close() {
		}

		public void drain() {
		}

	}

}
