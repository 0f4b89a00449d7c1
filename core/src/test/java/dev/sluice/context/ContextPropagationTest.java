package dev.sluice.context;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.EventTransport;
import dev.sluice.eventbus.SubscriberOptions;
import dev.sluice.pipeline.Channel;
import dev.sluice.pipeline.Pipeline;
import dev.sluice.pool.PoolConfig;
import dev.sluice.pool.QueueOverflow;
import dev.sluice.pool.TaskGroup;
import dev.sluice.pool.WorkerPool;
import dev.sluice.timeout.Deadline;
import dev.sluice.timeout.Timeout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The submitter's context (two MDC entries through Micrometer Context Propagation, and
 * the {@link Deadline}) reaches every hand-off, and leaves the thread that ran the work
 * as it found it.
 */
class ContextPropagationTest {

	private final List<AutoCloseable> closing = new ArrayList<>();

	@BeforeEach
	void registerMdc() {
		Mdc.register();
		MDC.clear();
	}

	@AfterEach
	void close() throws Exception {
		MDC.clear();
		for (AutoCloseable closeable : this.closing) {
			closeable.close();
		}
	}

	private WorkerPool pool(PoolConfig config) {
		WorkerPool pool = WorkerPool.create("ctx-" + this.closing.size(), config);
		this.closing.add(pool);
		return pool;
	}

	private WorkerPool pool(int workers) {
		return pool(PoolConfig.defaults().withWorkers(workers));
	}

	@Test
	void theMicrometerLibraryIsFound() {
		assertThat(CapturedContext.libraryPresent()).isTrue();
	}

	@Test
	void submitAndExecuteRunInTheSubmittersMdcAndLeaveTheWorkerClean() throws Exception {
		WorkerPool pool = pool(1);
		Mdc.put("r-1", "ann");
		assertThat(pool.submit(Mdc::seen).get(10, TimeUnit.SECONDS)).isEqualTo("r-1/ann");
		CompletableFuture<String> viaExecute = CompletableFuture.supplyAsync(Mdc::seen, pool);
		assertThat(viaExecute.get(10, TimeUnit.SECONDS)).isEqualTo("r-1/ann");
		MDC.clear();
		assertThat(pool.submit(Mdc::all).get(10, TimeUnit.SECONDS)).isEmpty();
	}

	@Test
	void mapHelpersRunInTheCallersMdc() throws Exception {
		WorkerPool pool = pool(4);
		Mdc.put("r-map", "bob");
		Set<String> threads = ConcurrentHashMap.newKeySet();
		Set<String> seen = ConcurrentHashMap.newKeySet();
		List<Integer> items = IntStream.range(0, 400).boxed().toList();
		CountDownLatch helpersStarted = new CountDownLatch(2);
		String caller = Thread.currentThread().getName();
		List<Integer> doubled = pool.map(items, (item) -> {
			if (!Thread.currentThread().getName().equals(caller) && threads.add(Thread.currentThread().getName())) {
				helpersStarted.countDown();
			}
			seen.add(Mdc.seen());
			try {
				// give the helpers time to take part
				helpersStarted.await(5, TimeUnit.MILLISECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return item * 2;
		});
		assertThat(doubled).hasSize(400);
		assertThat(threads).as("helpers took part").isNotEmpty();
		assertThat(seen).containsExactly("r-map/bob");
	}

	@Test
	void taskGroupForksRunInTheForkersMdcOnPoolsOwnThreadsAndOtherExecutors() throws Exception {
		ExecutorService plain = Executors.newFixedThreadPool(2);
		this.closing.add(plain::shutdownNow);
		Mdc.put("r-group", "cy");
		for (TaskGroup group : List.of(TaskGroup.on(pool(2)), TaskGroup.create(), TaskGroup.on(plain))) {
			try (group) {
				CompletableFuture<String> one = group.fork(Mdc::seen);
				CompletableFuture<String> two = group.fork(Mdc::seen);
				group.join();
				assertThat(List.of(one.join(), two.join())).containsOnly("r-group/cy");
			}
		}
		// the plain executor's threads were left as they were
		MDC.clear();
		assertThat(plain.submit(Mdc::all).get(10, TimeUnit.SECONDS)).isEmpty();
	}

	@Test
	void pipelineStagesRunInTheContextOfTheThreadThatRanThePipeline() throws Exception {
		Mdc.put("r-pipe", "dee");
		Set<String> seen = ConcurrentHashMap.newKeySet();
		List<Integer> onPool = Pipeline.from(IntStream.range(0, 100).boxed().toList())
			.on(pool(6))
			.map("first", 2, (i) -> {
				seen.add(Mdc.seen());
				return i;
			})
			.map("second", 2, (i) -> {
				seen.add(Mdc.seen());
				return i;
			})
			.toList();
		List<Integer> ownThreads = Pipeline.from(IntStream.range(0, 100).boxed().toList()).map("only", 3, (i) -> {
			seen.add(Mdc.seen());
			return i;
		}).toList();
		assertThat(onPool).hasSize(100);
		assertThat(ownThreads).hasSize(100);
		assertThat(seen).containsExactly("r-pipe/dee");
	}

	@Test
	void subscribersRunInThePublishersContextAtPublish() throws Exception {
		EventBus bus = EventBus.create("ctx-bus", 1);
		this.closing.add(bus);
		Queue<String> seen = new ConcurrentLinkedQueue<>();
		CountDownLatch release = new CountDownLatch(1);
		bus.subscribe("t", String.class, (event) -> {
			try {
				release.await(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			seen.add(event + "=" + Mdc.seen());
		}, SubscriberOptions.named("ctx"));
		Mdc.put("r-a", "eve");
		bus.publish("t", "a");
		// the context is the publisher's at publish, not whatever it holds at delivery
		Mdc.put("r-b", "fay");
		bus.publish("t", "b");
		MDC.clear();
		bus.publish("t", "c");
		release.countDown();
		await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 3);
		assertThat(seen).containsExactly("a=r-a/eve", "b=r-b/fay", "c=null/null");
	}

	@Test
	void aBusWithoutPropagationRunsHandlersWithNothingOfThePublisher() throws Exception {
		EventBus bus = EventBus.create("ctx-off", 1, EventTransport.inMemory(), false);
		this.closing.add(bus);
		AtomicReference<String> seen = new AtomicReference<>();
		AtomicReference<Object> deadline = new AtomicReference<>();
		bus.subscribe("t", String.class, (event) -> {
			deadline.set(Deadline.current());
			seen.set(Mdc.seen());
		}, SubscriberOptions.named("off"));
		Mdc.put("r-off", "gil");
		Timeout.call(Duration.ofSeconds(30), () -> bus.publish("t", "x"));
		await().atMost(Duration.ofSeconds(10)).until(() -> seen.get() != null);
		assertThat(seen.get()).isEqualTo("null/null");
		assertThat(deadline.get()).isEqualTo(java.util.Optional.empty());
	}

	@Test
	void aPoolWithoutPropagationRunsTasksWithNothingOfTheSubmitter() throws Exception {
		WorkerPool pool = pool(PoolConfig.defaults().withWorkers(1).withPropagateContext(false));
		Mdc.put("r-off", "hal");
		String seen = Timeout.call(Duration.ofSeconds(30),
				() -> pool.submit(() -> Mdc.seen() + " " + Deadline.current().isPresent()).get(10, TimeUnit.SECONDS));
		assertThat(seen).isEqualTo("null/null false");
		// and a task group on it follows the pool
		try (TaskGroup group = TaskGroup.on(pool)) {
			CompletableFuture<String> fork = group.fork(Mdc::seen);
			group.join();
			assertThat(fork.join()).isEqualTo("null/null");
		}
	}

	@Test
	void aDeadlineSetOutsideReachesForkedWorkAndCapsItsWaits() throws Exception {
		WorkerPool pool = pool(2);
		Channel<String> nothing = Channel.bounded(1);
		long started = System.nanoTime();
		List<Object> seen = new ArrayList<>();
		// the task outlives the call: only the deadline it carries can end its wait of
		// 30s
		CompletableFuture<Object> waited = Timeout.call(Duration.ofMillis(300), () -> {
			Duration outside = Deadline.current().orElseThrow().remaining();
			try (TaskGroup group = TaskGroup.on(pool)) {
				CompletableFuture<Duration> remaining = group.fork(() -> Deadline.current().orElseThrow().remaining());
				group.join();
				seen.add(remaining.join().compareTo(outside) <= 0);
			}
			try (TaskGroup group = TaskGroup.create()) {
				CompletableFuture<Boolean> own = group.fork(() -> Deadline.current().isPresent());
				group.join();
				seen.add(own.join());
			}
			return pool.submit(() -> {
				try {
					return nothing.receive(Duration.ofSeconds(30));
				}
				catch (TimeoutException ex) {
					return "timed out after " + Duration.ofNanos(System.nanoTime() - started).toMillis() + "ms";
				}
			});
		});
		assertThat(seen).containsExactly(true, true);
		assertThat(waited.get(10, TimeUnit.SECONDS)).asString().startsWith("timed out after");
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
		// and the workers keep none of it
		assertThat(pool.submit(() -> Deadline.current().isPresent()).get()).isFalse();
	}

	@Test
	void contextNeverLeaksFromOneTaskToTheNextOnAReusedWorker() throws Exception {
		WorkerPool pool = pool(PoolConfig.defaults().withWorkers(1).withQueueCapacity(64));
		ExecutorService submitters = Executors.newFixedThreadPool(4);
		this.closing.add(submitters::shutdownNow);
		Queue<String> wrong = new ConcurrentLinkedQueue<>();
		List<CompletableFuture<?>> all = new ArrayList<>();
		for (int s = 0; s < 4; s++) {
			int submitter = s;
			all.add(CompletableFuture.runAsync(() -> {
				for (int i = 0; i < 500; i++) {
					boolean withContext = (i + submitter) % 2 == 0;
					String expected;
					if (withContext) {
						Mdc.put("r-" + submitter + "-" + i, "u" + submitter);
						expected = MDC.get(Mdc.REQUEST_ID) + "/u" + submitter;
					}
					else {
						MDC.clear();
						expected = "null/null";
					}
					try {
						Callable<CompletableFuture<Void>> submit = () -> pool.submit(() -> {
							String seen = Mdc.seen();
							if (!seen.equals(expected) || withContext != Deadline.current().isPresent()) {
								wrong.add(expected + " but " + seen + " " + Deadline.current());
							}
							// a task that leaves its own mark must not pass it on either
							MDC.put(Mdc.REQUEST_ID, "left-behind");
						});
						// half of them inside a timeout, whose deadline they carry
						CompletableFuture<Void> task = withContext ? Timeout.call(Duration.ofMinutes(1), submit)
								: submit.call();
						if (i % 16 == 0) {
							task.get(10, TimeUnit.SECONDS);
						}
					}
					catch (Exception ex) {
						wrong.add(ex.toString());
					}
				}
				MDC.clear();
			}, submitters));
		}
		CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
		pool.submit(() -> null).get(10, TimeUnit.SECONDS);
		assertThat(wrong).isEmpty();
		// a task is counted just after its future completes
		await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().completed() == 2001);
	}

	@Test
	void aCancelStillInterruptsARunningTaskInItsContextAndNotTheNextTask() throws Exception {
		WorkerPool pool = pool(1);
		Mdc.put("r-cancel", "ivy");
		CountDownLatch running = new CountDownLatch(1);
		AtomicBoolean interrupted = new AtomicBoolean();
		CompletableFuture<Object> task = pool.submit(() -> {
			running.countDown();
			try {
				Thread.sleep(30_000);
			}
			catch (InterruptedException ex) {
				interrupted.set(true);
				throw ex;
			}
			return null;
		});
		assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
		task.cancel(true);
		await().atMost(Duration.ofSeconds(10)).untilTrue(interrupted);
		assertThat(
				pool.submit(() -> Thread.currentThread().isInterrupted() + " " + Mdc.seen()).get(10, TimeUnit.SECONDS))
			.isEqualTo("false r-cancel/ivy");
	}

	@Test
	void callerRunsKeepsTheCallersOwnInterruptAndContext() throws Exception {
		WorkerPool pool = pool(
				PoolConfig.defaults().withWorkers(1).withQueueCapacity(0).withOverflow(QueueOverflow.CALLER_RUNS));
		CountDownLatch release = new CountDownLatch(1);
		pool.submit(() -> {
			release.await(10, TimeUnit.SECONDS);
			return null;
		});
		Mdc.put("r-caller", "jo");
		Thread.currentThread().interrupt();
		try {
			CompletableFuture<String> ran = pool.submit(Mdc::seen);
			assertThat(ran.getNow("not run")).isEqualTo("r-caller/jo");
			assertThat(Thread.currentThread().isInterrupted()).isTrue();
			assertThat(Mdc.seen()).isEqualTo("r-caller/jo");
		}
		finally {
			Thread.interrupted();
			release.countDown();
		}
	}

	@Test
	void aDecoratorWrapsEveryTaskBodyOnTheSubmittingThread() throws Exception {
		Queue<String> log = new ConcurrentLinkedQueue<>();
		WorkerPool pool = WorkerPool.create("decorated", PoolConfig.defaults().withWorkers(2), (task) -> {
			String submitter = Thread.currentThread().getName();
			return () -> {
				log.add("before " + submitter + " " + Mdc.seen());
				try {
					task.run();
				}
				finally {
					log.add("after");
				}
			};
		});
		this.closing.add(pool);
		Mdc.put("r-dec", "kim");
		String me = Thread.currentThread().getName();
		assertThat(pool.submit(() -> "ok").get(10, TimeUnit.SECONDS)).isEqualTo("ok");
		CompletableFuture.runAsync(() -> {
		}, pool).get(10, TimeUnit.SECONDS);
		assertThatThrownBy(() -> pool.submit(() -> {
			throw new IllegalArgumentException("bad");
		}).get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalArgumentException.class);
		await().atMost(Duration.ofSeconds(10)).until(() -> log.size() == 6);
		assertThat(log).containsExactly("before " + me + " r-dec/kim", "after", "before " + me + " r-dec/kim", "after",
				"before " + me + " r-dec/kim", "after");
	}

	@Test
	void aDecoratedTaskWaitingInTheQueueCanStillBeCancelledAndAbandoned() throws Exception {
		WorkerPool pool = WorkerPool.create("decorated-queue", PoolConfig.defaults().withWorkers(1),
				(task) -> task::run);
		this.closing.add(pool);
		Mdc.put("r-q", "lee");
		CountDownLatch release = new CountDownLatch(1);
		pool.submit(() -> {
			release.await(10, TimeUnit.SECONDS);
			return null;
		});
		AtomicBoolean ran = new AtomicBoolean();
		CompletableFuture<Object> queued = pool.submit(() -> ran.getAndSet(true));
		assertThat(pool.stats().queued()).isEqualTo(1);
		assertThat(queued.cancel(true)).isTrue();
		// a cancelled task leaves the queue at once
		assertThat(pool.stats().queued()).isZero();
		java.util.concurrent.FutureTask<Object> plain = new java.util.concurrent.FutureTask<>(
				() -> ran.getAndSet(true));
		pool.execute(plain);
		assertThat(pool.abandonRemaining()).isEqualTo(2);
		assertThat(plain.isCancelled()).as("the plain future behind its wrapper was cancelled").isTrue();
		release.countDown();
		assertThat(ran).isFalse();
	}

	@Test
	void capturedContextRestoresAndPutsBackWhatTheThreadHad() throws Exception {
		Mdc.put("r-cap", "max");
		CapturedContext captured = Timeout.call(Duration.ofSeconds(30), CapturedContext::capture);
		assertThat(captured.isEmpty()).isFalse();
		assertThat(captured.deadline()).isNotNull();
		Mdc.put("r-own", "ned");
		try (CapturedContext.Scope scope = captured.restore()) {
			assertThat(Mdc.seen()).isEqualTo("r-cap/max");
			assertThat(Deadline.current()).isPresent();
		}
		assertThat(Mdc.seen()).isEqualTo("r-own/ned");
		assertThat(Deadline.current()).isEmpty();
		MDC.clear();
		assertThat(CapturedContext.capture().isEmpty()).as("nothing to carry: the selective MDC accessor").isFalse();
	}

}
