package dev.sluice.bulkhead;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import kotlin.Unit;
import kotlin.reflect.KFunction;
import kotlin.reflect.jvm.ReflectJvmMapping;
import org.jetbrains.lincheck.datastructures.DSLScenarioBuilder;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

/**
 * Model checking and stress testing of {@link Bulkhead} with Lincheck. Operations:
 * {@code acquire} (one permit, and weighted with a zero timeout, so that nothing waits),
 * {@code tryAcquire} (weighted), giving back the calling thread's latest
 * {@link Bulkhead.Permit} (closed twice, to check that the second close does nothing),
 * {@code setPermits}, {@code stopIntake} and {@code permits}. Each thread keeps the
 * permits it holds, as try-with-resources would.
 *
 * <p>
 * The sequential model, {@link Model}, is a counter of permits in use against a limit: an
 * acquire succeeds only if the permits in use plus the count stay within the limit (so
 * permits in use never exceed the limit through an acquire, even right after the limit is
 * lowered), a count above the limit is an error, and after {@code stopIntake} every
 * acquire is refused as shut down. The invariant checked after each scenario part: while
 * the bulkhead runs, the permits it reports available are the limit less what the threads
 * hold; with nothing held, that is the whole limit. {@link Huge} does the same around
 * {@code stopIntake} with a limit above 2^30, which once overflowed the semaphore.
 *
 * <p>
 * Time budget: about 13s for the class on 2 cores. The stress runs use two threads: more
 * threads than cores make Lincheck's spinning threads wait out each other's time slices,
 * ten times slower.
 */
class BulkheadLincheckTest {

	/**
	 * Random scenarios, and two that this test found: a weighted acquire that passed the
	 * limit check against the old limit while {@code setPermits} lowered it below the
	 * count, then found no permits (it must be refused as a count that can never be
	 * acquired); and a {@code tryAcquire} that found nothing because {@code stopIntake}
	 * ran meanwhile (it must say "shut down", not "none free").
	 */
	@Test
	void modelChecking() {
		new ModelCheckingOptions().iterations(15)
			.invocationsPerIteration(80)
			.threads(3)
			.actorsPerThread(2)
			.actorsBefore(2)
			.actorsAfter(2)
			.addCustomScenario((scenario) -> racing(scenario, operation("setPermits", int.class), 1,
					operation("acquire", int.class, int.class)))
			.addCustomScenario((scenario) -> racing(scenario, operation("stopIntake"), null,
					operation("tryAcquire", int.class, int.class)))
			.sequentialSpecification(Model.class)
			.check(Target.class);
	}

	/** One thread changes the bulkhead while another takes 2 permits. */
	static Unit racing(DSLScenarioBuilder scenario, KFunction<?> change, Integer argument, KFunction<?> take) {
		scenario.parallel((threads) -> {
			threads.thread((thread) -> {
				if (argument != null) {
					thread.actor(change, argument);
				}
				else {
					thread.actor(change);
				}
				return Unit.INSTANCE;
			});
			threads.thread((thread) -> {
				thread.actor(take, 2, 2);
				return Unit.INSTANCE;
			});
			return Unit.INSTANCE;
		});
		return Unit.INSTANCE;
	}

	private static KFunction<?> operation(String name, Class<?>... parameters) {
		try {
			return ReflectJvmMapping.getKotlinFunction(Target.class.getMethod(name, parameters));
		}
		catch (NoSuchMethodException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@Test
	void stress() {
		new StressOptions().iterations(10)
			.invocationsPerIteration(300)
			.threads(2)
			.actorsPerThread(3)
			.actorsBefore(2)
			.actorsAfter(2)
			.sequentialSpecification(Model.class)
			.check(Target.class);
	}

	@Test
	void stopIntakeWithAHugeLimitModelChecking() {
		new ModelCheckingOptions().iterations(3)
			.invocationsPerIteration(30)
			.threads(2)
			.actorsPerThread(2)
			.actorsBefore(1)
			.actorsAfter(1)
			.sequentialSpecification(HugeModel.class)
			.check(Huge.class);
	}

	/** More than the thread ids Lincheck hands out for the scenarios here. */
	static final int THREAD_IDS = 8;

	/**
	 * The bulkhead, and the permits each thread holds (only that thread touches its
	 * stack).
	 */
	@Param(name = "count", gen = IntGen.class, conf = "1:2")
	public static class Target {

		static final int LIMIT = 3;

		/** Permits held, by Lincheck's thread id. */
		private final List<ArrayDeque<Bulkhead.Permit>> held = new ArrayList<>();

		final Bulkhead bulkhead;

		public Target() {
			this(LIMIT);
		}

		Target(int limit) {
			this.bulkhead = Bulkhead.create("lincheck", BulkheadConfig.ofPermits(limit));
			for (int i = 0; i < THREAD_IDS; i++) {
				this.held.add(new ArrayDeque<>());
			}
		}

		@Operation
		public String acquireOne(@Param(gen = ThreadIdGen.class) int thread) throws InterruptedException {
			try {
				return keep(thread, this.bulkhead.acquire());
			}
			catch (BulkheadException ex) {
				return ex.reason().name();
			}
		}

		@Operation
		public String acquire(@Param(gen = ThreadIdGen.class) int thread, @Param(name = "count") int count)
				throws InterruptedException {
			try {
				return keep(thread, this.bulkhead.acquire(count, Duration.ZERO));
			}
			catch (BulkheadException ex) {
				return ex.reason().name();
			}
			catch (IllegalArgumentException ex) {
				return "above the limit";
			}
		}

		@Operation
		public String tryAcquire(@Param(gen = ThreadIdGen.class) int thread, @Param(name = "count") int count) {
			try {
				Optional<Bulkhead.Permit> permit = this.bulkhead.tryAcquire(count);
				return permit.isPresent() ? keep(thread, permit.get()) : "none free";
			}
			catch (BulkheadException ex) {
				return ex.reason().name();
			}
			catch (IllegalArgumentException ex) {
				return "above the limit";
			}
		}

		/**
		 * Closes this thread's latest permit, twice: the second close must give nothing
		 * back.
		 */
		@Operation
		public int release(@Param(gen = ThreadIdGen.class) int thread) {
			Bulkhead.Permit permit = this.held.get(thread).pollLast();
			if (permit == null) {
				return 0;
			}
			permit.close();
			permit.close();
			return permit.count();
		}

		@Operation
		public void setPermits(@Param(gen = IntGen.class, conf = "1:4") int limit) {
			this.bulkhead.setPermits(limit);
		}

		@Operation
		public void stopIntake() {
			this.bulkhead.stopIntake();
		}

		@Operation
		public int permits() {
			return this.bulkhead.permits();
		}

		@Validate
		public void availableIsTheLimitLessWhatIsHeld() {
			if (this.bulkhead.isShutdown()) {
				return;
			}
			int held = 0;
			for (ArrayDeque<Bulkhead.Permit> permits : this.held) {
				for (Bulkhead.Permit permit : permits) {
					held += permit.count();
				}
			}
			BulkheadStats stats = this.bulkhead.stats();
			int expected = Math.max(0, stats.permits() - held);
			if (stats.available() != expected) {
				throw new IllegalStateException("limit " + stats.permits() + ", " + held + " held, but "
						+ stats.available() + " available (expected " + expected + ")");
			}
		}

		private String keep(int thread, Bulkhead.Permit permit) {
			this.held.get(thread).addLast(permit);
			return "acquired " + permit.count();
		}

	}

	/** Permits in use against a limit, per thread as the target keeps them. */
	public static class Model {

		private final List<ArrayDeque<Integer>> held = new ArrayList<>();

		private int limit;

		private int inUse;

		private boolean shutdown;

		public Model() {
			this(Target.LIMIT);
		}

		Model(int limit) {
			this.limit = limit;
			for (int i = 0; i < THREAD_IDS; i++) {
				this.held.add(new ArrayDeque<>());
			}
		}

		public String acquireOne(int thread) {
			return acquire(thread, 1);
		}

		public String acquire(int thread, int count) {
			if (count > this.limit) {
				return "above the limit";
			}
			if (this.shutdown) {
				return "SHUT_DOWN";
			}
			if (this.inUse + count > this.limit) {
				return "FULL";
			}
			this.inUse += count;
			this.held.get(thread).addLast(count);
			return "acquired " + count;
		}

		public String tryAcquire(int thread, int count) {
			String outcome = acquire(thread, count);
			return outcome.equals("FULL") ? "none free" : outcome;
		}

		public int release(int thread) {
			Integer count = this.held.get(thread).pollLast();
			if (count == null) {
				return 0;
			}
			this.inUse -= count;
			return count;
		}

		public void setPermits(int limit) {
			this.limit = limit;
		}

		public void stopIntake() {
			this.shutdown = true;
		}

		public int permits() {
			return this.limit;
		}

	}

	/**
	 * A bulkhead whose limit is above 2^30, where a shutdown that woke waiters with a
	 * flood of extra permits overflowed the semaphore: permits taken and given back
	 * around {@code stopIntake} ({@code acquire} with a zero timeout rather than
	 * {@code tryAcquire}, whose own race with {@code stopIntake} {@link #modelChecking()}
	 * reports).
	 */
	public static class Huge {

		static final int LIMIT = (1 << 30) + 1;

		private final Bulkhead bulkhead = Bulkhead.create("lincheck", BulkheadConfig.ofPermits(LIMIT));

		private final List<ArrayDeque<Bulkhead.Permit>> held = new ArrayList<>();

		public Huge() {
			for (int i = 0; i < THREAD_IDS; i++) {
				this.held.add(new ArrayDeque<>());
			}
		}

		@Operation
		public String acquire(@Param(gen = ThreadIdGen.class) int thread,
				@Param(gen = IntGen.class, conf = "1:2") int count) throws InterruptedException {
			try {
				Bulkhead.Permit permit = this.bulkhead.acquire(count, Duration.ZERO);
				this.held.get(thread).addLast(permit);
				return "acquired " + count;
			}
			catch (BulkheadException ex) {
				return ex.reason().name();
			}
		}

		@Operation
		public int release(@Param(gen = ThreadIdGen.class) int thread) {
			Bulkhead.Permit permit = this.held.get(thread).pollLast();
			if (permit == null) {
				return 0;
			}
			permit.close();
			return permit.count();
		}

		@Operation(runOnce = true)
		public void stopIntake() {
			this.bulkhead.stopIntake();
		}

	}

	public static class HugeModel extends Model {

		public HugeModel() {
			super(Huge.LIMIT);
		}

	}

}
