package dev.sluice.pool;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sluice.context.CapturedContext;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

/**
 * Model checking and stress testing of {@link TaskGroup} with Lincheck, on an executor
 * that only records the tasks it is given: the {@code runTask} operation runs the oldest
 * recorded one on the calling thread, so that every thread that touches the group is one
 * of Lincheck's. The group has a limit of 2; a task returns its number, except number 3,
 * which throws.
 *
 * <p>
 * Operations: {@code fork} and {@code tryFork} (on one thread, the forking thread, so
 * that a {@code fork} that sees a free slot cannot lose it to another fork and wait for a
 * {@code runTask} that may never come: it answers "would wait" instead of forking when
 * both slots are taken by tasks not yet ended); {@code runTask}; {@code join} with a zero
 * timeout (a {@code join} without one would wait forever for recorded tasks nobody runs),
 * which cancels the group if tasks are outstanding; and {@code close}. The last three run
 * on another one thread, the group's owner, and race the forks: a task's body is not
 * atomic, and a {@code join} or {@code close} that overlaps a running body sees it
 * running, a state that no sequential model of whole operations has (the cancel then
 * interrupts the body, and the body's failure, if it fails, is not the group's).
 *
 * <p>
 * The sequential model, {@link Model}: forked tasks wait in order; running one runs its
 * body unless it was cancelled, and a failure fails the group (the first failure is kept)
 * and cancels every task not yet run; a cancelled group's later forks are cancelled at
 * once; a closed group's forks fail; {@code join} reports the first failure, or, with
 * tasks outstanding, cancels them and times out; {@code close} cancels what is
 * outstanding. The invariants checked after each scenario part: no more than 2 task
 * bodies ever run at once; every future forked is done unless its task still waits in the
 * executor unrun (no task is accepted and then lost); and a future that holds a value
 * holds its own task's, and only the failing task's future fails.
 *
 * <p>
 * Time budget: about 12s for the class on 2 cores. The stress runs use two threads: more
 * threads than cores make Lincheck's spinning threads wait out each other's time slices,
 * ten times slower.
 */
class TaskGroupLincheckTest {

	@Test
	void modelChecking() {
		new ModelCheckingOptions().iterations(12)
			.invocationsPerIteration(60)
			// a fork captures the forking thread's context: thread-confined reads of
			// thread-locals and of an immutable registry, no part of the group's
			// protocol,
			// and far too many switch points for the model checker to explore
			.addGuarantee(ManagedStrategyGuaranteeKt.forClasses(CapturedContext.class.getName()).allMethods().ignore())
			.threads(2)
			.actorsPerThread(2)
			.actorsBefore(2)
			.actorsAfter(2)
			.sequentialSpecification(Model.class)
			.check(Target.class);
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

	static final int LIMIT = 2;

	static final int FAILING_TASK = 3;

	/** A task's result, as both the target and the model name it. */
	static String outcome(CompletableFuture<?> future) {
		if (!future.isDone()) {
			return "not done";
		}
		try {
			return "value " + future.get();
		}
		catch (CancellationException ex) {
			return "cancelled";
		}
		catch (ExecutionException ex) {
			return "failed";
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return "interrupted";
		}
	}

	@Param(name = "task", gen = IntGen.class, conf = "1:3")
	public static class Target {

		private final Queue<Runnable> executor = new ConcurrentLinkedQueue<>();

		private final TaskGroup group = TaskGroup.on(this.executor::add).limit(LIMIT);

		/** Every future a fork returned; touched by the forking thread only. */
		private final List<CompletableFuture<Integer>> forked = new ArrayList<>();

		private final AtomicInteger running = new AtomicInteger();

		/**
		 * Bodies started; only {@code runTask} starts them, one thread at a time each.
		 */
		private final AtomicInteger bodies = new AtomicInteger();

		/** The task number of each forked future, in {@link #forked}'s order. */
		private final List<Integer> numbers = new ArrayList<>();

		private final AtomicBoolean overLimit = new AtomicBoolean();

		private Integer body(int task) {
			this.bodies.incrementAndGet();
			if (this.running.incrementAndGet() > LIMIT) {
				this.overLimit.set(true);
			}
			try {
				if (task == FAILING_TASK) {
					throw new IllegalStateException("task " + task + " fails");
				}
				return task;
			}
			finally {
				this.running.decrementAndGet();
			}
		}

		@Operation(nonParallelGroup = "forker")
		public String fork(@Param(name = "task") int task) {
			int undone = 0;
			for (CompletableFuture<Integer> future : this.forked) {
				undone += future.isDone() ? 0 : 1;
			}
			if (undone >= LIMIT) {
				return "would wait";
			}
			try {
				return forked(task, this.group.fork(() -> body(task)));
			}
			catch (IllegalStateException ex) {
				return "closed";
			}
		}

		@Operation(nonParallelGroup = "forker")
		public String tryFork(@Param(name = "task") int task) {
			try {
				Optional<CompletableFuture<Integer>> future = this.group.tryFork(() -> body(task));
				return future.isPresent() ? forked(task, future.get()) : "no slot";
			}
			catch (IllegalStateException ex) {
				return "closed";
			}
		}

		/**
		 * Keeps the future. Whether it is already cancelled when the fork returns is not
		 * part of the result: a concurrent cancel may have got there first either way.
		 */
		private String forked(int task, CompletableFuture<Integer> future) {
			this.forked.add(future);
			this.numbers.add(task);
			return "forked";
		}

		/**
		 * Runs the oldest recorded task that is not cancelled yet, as a pool would (a
		 * cancelled one does nothing when run, so it is dropped here). The result is
		 * whether a body ran, not its future's outcome: a cancel that comes while the
		 * body runs (from {@code close} or a timed-out {@code join}) cancels the future
		 * of a task that, in any sequential order, ran before that cancel; and whether a
		 * task cancelled before it started ever reached the executor is the group's
		 * business.
		 */
		@Operation(nonParallelGroup = "owner")
		public String runTask() {
			Runnable task;
			while ((task = this.executor.poll()) != null) {
				if (!((CompletableFuture<?>) task).isCancelled()) {
					int before = this.bodies.get();
					task.run();
					return (this.bodies.get() != before) ? "ran" : "none";
				}
			}
			return "none";
		}

		@Operation(nonParallelGroup = "owner")
		public String join() throws InterruptedException {
			try {
				this.group.join(Duration.ZERO);
				return "ok";
			}
			catch (ExecutionException ex) {
				return "failed";
			}
			catch (TimeoutException ex) {
				return "timed out";
			}
		}

		@Operation(nonParallelGroup = "owner")
		public void close() {
			this.group.close();
		}

		@Validate
		public void withinTheLimitAndNothingLost() {
			if (this.overLimit.get()) {
				throw new IllegalStateException("more than " + LIMIT + " tasks ran at once");
			}
			for (int i = 0; i < this.forked.size(); i++) {
				CompletableFuture<Integer> future = this.forked.get(i);
				if (!future.isDone() && !this.executor.contains(future)) {
					throw new IllegalStateException("a forked task is neither done nor waiting to run");
				}
				String outcome = outcome(future);
				int task = this.numbers.get(i);
				if (outcome.startsWith("value") ? !outcome.equals("value " + task)
						: outcome.equals("failed") && task != FAILING_TASK) {
					throw new IllegalStateException("task " + task + " ended as " + outcome);
				}
			}
		}

	}

	/**
	 * Forked tasks in order, the group's failure, and whether it is cancelled or closed.
	 */
	public static class Model {

		private final ArrayDeque<Task> executor = new ArrayDeque<>();

		private final List<Task> outstanding = new ArrayList<>();

		private boolean cancelled;

		private boolean closed;

		private boolean failed;

		public String fork(int task) {
			if (this.outstanding.size() >= LIMIT) {
				return "would wait";
			}
			if (this.closed) {
				return "closed";
			}
			return start(task);
		}

		public String tryFork(int task) {
			if (this.closed) {
				return "closed";
			}
			if (this.outstanding.size() >= LIMIT) {
				return "no slot";
			}
			return start(task);
		}

		/** A fork into a cancelled group returns a cancelled future, and nothing runs. */
		private String start(int number) {
			if (this.cancelled) {
				return "forked";
			}
			Task task = new Task(number);
			this.executor.addLast(task);
			this.outstanding.add(task);
			return "forked";
		}

		public String runTask() {
			Task task = this.executor.pollFirst();
			while (task != null && task.outcome != null) {
				task = this.executor.pollFirst();
			}
			if (task == null) {
				return "none";
			}
			this.outstanding.remove(task);
			if (task.number == FAILING_TASK) {
				task.outcome = "failed";
				if (!this.cancelled) {
					this.failed = true;
					cancel();
				}
			}
			else {
				task.outcome = "value " + task.number;
			}
			return "ran";
		}

		public String join() {
			if (!this.outstanding.isEmpty()) {
				cancel();
				return this.failed ? "failed" : "timed out";
			}
			return this.failed ? "failed" : "ok";
		}

		public void close() {
			this.closed = true;
			if (!this.outstanding.isEmpty()) {
				cancel();
			}
		}

		private void cancel() {
			this.cancelled = true;
			for (Task task : this.outstanding) {
				task.outcome = "cancelled";
			}
			this.outstanding.clear();
		}

		private static final class Task {

			final int number;

			String outcome;

			Task(int number) {
				this.number = number;
			}

		}

	}

}
