package dev.sluice.benchmarks;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.google.common.eventbus.AsyncEventBus;
import com.google.common.eventbus.Subscribe;
import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.EventTranslatorOneArg;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import dev.sluice.eventbus.BufferOverflow;
import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.SubscriberOptions;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.SimpleApplicationEventMulticaster;

/**
 * Asynchronous delivery throughput of an in-process event bus: the benchmark thread
 * publishes 100,000 small events, then waits until every one of {@code subscribers}
 * subscribers (1 and 4) has received every one of them. Four ways, in one JMH run:
 * <ul>
 * <li>a Sluice {@link EventBus} with 2 dispatcher threads, each subscriber with a buffer
 * of 1024 under {@link BufferOverflow#BLOCK} (lossless backpressure);</li>
 * <li>a Guava {@link AsyncEventBus} on a fixed pool of 2 threads, subscribers as objects
 * with a {@link Subscribe} method;</li>
 * <li>a Spring {@link SimpleApplicationEventMulticaster} with a fixed pool of 2 threads
 * as its task executor, one {@link ApplicationListener} per subscriber;</li>
 * <li>an LMAX {@link Disruptor}: a ring of 1024, {@link BlockingWaitStrategy}, single
 * producer, one {@link EventHandler} per subscriber, all in parallel (each on a thread of
 * its own).</li>
 * </ul>
 * Every subscriber counts what it receives; an op ends when all counts reach 100,000, and
 * fails (rather than hangs or reports a wrong score) if an event is missing after 60 s or
 * one arrives twice. Scored per event published, in ns. Goals: Sluice at least 5x Guava's
 * throughput, and within 3x of the Disruptor with one subscriber.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class EventBusBenchmark {

	static final int EVENTS = 100_000;

	/** Buffer per subscriber (Sluice) and ring size (Disruptor). */
	static final int BUFFER = 1024;

	/**
	 * Threads that deliver events: Sluice's dispatchers, Guava's and Spring's executor
	 * pools.
	 */
	static final int THREADS = 2;

	static final String TOPIC = "bench";

	/** How long an op may wait for its events before it fails. */
	static final long AWAIT_SECONDS = 60;

	/** Subscribers, each receiving every event. */
	@Param({ "1", "4" })
	public int subscribers;

	/** The events, made once, so that no side pays for allocating them. */
	Tick[] ticks;

	@Setup(Level.Trial)
	public void setUp() {
		this.ticks = new Tick[EVENTS];
		for (int i = 0; i < EVENTS; i++) {
			this.ticks[i] = new Tick(i);
		}
	}

	@Benchmark
	@OperationsPerInvocation(EVENTS)
	public long sluiceEventBus(SluiceSide side) throws InterruptedException {
		side.sinks.begin();
		EventBus bus = side.bus;
		for (Tick tick : this.ticks) {
			bus.publish(TOPIC, tick);
		}
		return side.sinks.await("sluice");
	}

	@Benchmark
	@OperationsPerInvocation(EVENTS)
	public long guavaAsyncEventBus(GuavaSide side) throws InterruptedException {
		side.sinks.begin();
		AsyncEventBus bus = side.bus;
		for (Tick tick : this.ticks) {
			bus.post(tick);
		}
		return side.sinks.await("guava");
	}

	@Benchmark
	@OperationsPerInvocation(EVENTS)
	public long springMulticaster(SpringSide side) throws InterruptedException {
		side.sinks.begin();
		SimpleApplicationEventMulticaster multicaster = side.multicaster;
		for (TickEvent event : side.events) {
			multicaster.multicastEvent(event);
		}
		return side.sinks.await("spring");
	}

	@Benchmark
	@OperationsPerInvocation(EVENTS)
	public long disruptor(DisruptorSide side) throws InterruptedException {
		side.sinks.begin();
		RingBuffer<Slot> ring = side.ring;
		for (Tick tick : this.ticks) {
			ring.publishEvent(Slot.TRANSLATOR, tick);
		}
		return side.sinks.await("disruptor");
	}

	/** The event: small and immutable. */
	public static final class Tick {

		final long seq;

		Tick(long seq) {
			this.seq = seq;
		}

	}

	/** What one subscriber has received in the current op. */
	static final class Sink {

		final AtomicLong received = new AtomicLong();

		volatile CountDownLatch done = new CountDownLatch(0);

		void accept(Tick tick) {
			if (this.received.incrementAndGet() == EVENTS) {
				this.done.countDown();
			}
		}

	}

	/** The subscribers' sinks, with the per-op reset, wait and checks. */
	static final class Sinks {

		final Sink[] sinks;

		private boolean started;

		Sinks(int subscribers) {
			this.sinks = new Sink[subscribers];
			for (int i = 0; i < subscribers; i++) {
				this.sinks[i] = new Sink();
			}
		}

		Sink get(int i) {
			return this.sinks[i];
		}

		/**
		 * Checks that the previous op got nothing more, then resets the counts for a new
		 * one.
		 */
		void begin() {
			CountDownLatch done = new CountDownLatch(this.sinks.length);
			for (int i = 0; i < this.sinks.length; i++) {
				long previous = this.sinks[i].received.get();
				if (this.started && previous != EVENTS) {
					throw new IllegalStateException("subscriber " + i + " received " + previous
							+ " events in the last op, " + "expected " + EVENTS);
				}
				this.sinks[i].done = done;
				this.sinks[i].received.set(0);
			}
			this.started = true;
		}

		/**
		 * Waits until every subscriber has received every event; fails if one is missing
		 * or extra.
		 */
		long await(String side) throws InterruptedException {
			CountDownLatch done = this.sinks[0].done;
			if (!done.await(AWAIT_SECONDS, TimeUnit.SECONDS)) {
				throw new IllegalStateException(side + ": not every event delivered after " + AWAIT_SECONDS + " s: "
						+ counts() + " of " + EVENTS);
			}
			long total = 0;
			for (Sink sink : this.sinks) {
				long received = sink.received.get();
				if (received != EVENTS) {
					throw new IllegalStateException(
							side + ": subscribers received " + counts() + ", expected " + EVENTS);
				}
				total += received;
			}
			return total;
		}

		/** At the end of a trial, after the last op had time to settle. */
		void check(String side) {
			if (this.started) {
				for (Sink sink : this.sinks) {
					if (sink.received.get() != EVENTS) {
						throw new IllegalStateException(
								side + ": subscribers received " + counts() + ", expected " + EVENTS);
					}
				}
			}
		}

		private String counts() {
			StringBuilder counts = new StringBuilder("[");
			for (Sink sink : this.sinks) {
				counts.append((counts.length() > 1) ? ", " : "").append(sink.received.get());
			}
			return counts.append(']').toString();
		}

	}

	@State(Scope.Benchmark)
	public static class SluiceSide {

		EventBus bus;

		Sinks sinks;

		@Setup(Level.Trial)
		public void setUp(EventBusBenchmark benchmark) {
			this.sinks = new Sinks(benchmark.subscribers);
			this.bus = EventBus.create("bench", THREADS);
			for (int i = 0; i < benchmark.subscribers; i++) {
				Sink sink = this.sinks.get(i);
				this.bus.subscribe(TOPIC, Tick.class, sink::accept,
						SubscriberOptions.named("s" + i)
							.withBuffer(BUFFER)
							.withOverflow(BufferOverflow.BLOCK)
							.withPublishTimeout(Duration.ofSeconds(30)));
			}
		}

		@TearDown(Level.Trial)
		public void tearDown() {
			this.bus.close();
			this.sinks.check("sluice");
		}

	}

	/**
	 * A Guava subscriber. Not {@code @AllowConcurrentEvents}: one call at a time, Guava's
	 * default.
	 */
	public static final class GuavaSubscriber {

		private final Sink sink;

		GuavaSubscriber(Sink sink) {
			this.sink = sink;
		}

		@Subscribe
		public void on(Tick tick) {
			this.sink.accept(tick);
		}

	}

	@State(Scope.Benchmark)
	public static class GuavaSide {

		ExecutorService executor;

		AsyncEventBus bus;

		Sinks sinks;

		@Setup(Level.Trial)
		public void setUp(EventBusBenchmark benchmark) {
			this.sinks = new Sinks(benchmark.subscribers);
			this.executor = Executors.newFixedThreadPool(THREADS, daemonThreads("guava"));
			this.bus = new AsyncEventBus("bench", this.executor);
			for (int i = 0; i < benchmark.subscribers; i++) {
				this.bus.register(new GuavaSubscriber(this.sinks.get(i)));
			}
		}

		@TearDown(Level.Trial)
		public void tearDown() throws InterruptedException {
			this.executor.shutdown();
			this.executor.awaitTermination(30, TimeUnit.SECONDS);
			this.sinks.check("guava");
		}

	}

	/**
	 * The event as Spring wants it: an {@link ApplicationEvent} carrying a {@link Tick}.
	 */
	public static final class TickEvent extends ApplicationEvent {

		private static final long serialVersionUID = 1L;

		final transient Tick tick;

		TickEvent(Object source, Tick tick) {
			super(source);
			this.tick = tick;
		}

	}

	/** A Spring listener. */
	public static final class SpringListener implements ApplicationListener<TickEvent> {

		private final Sink sink;

		SpringListener(Sink sink) {
			this.sink = sink;
		}

		@Override
		public void onApplicationEvent(TickEvent event) {
			this.sink.accept(event.tick);
		}

	}

	@State(Scope.Benchmark)
	public static class SpringSide {

		ExecutorService executor;

		SimpleApplicationEventMulticaster multicaster;

		TickEvent[] events;

		Sinks sinks;

		@Setup(Level.Trial)
		public void setUp(EventBusBenchmark benchmark) {
			this.sinks = new Sinks(benchmark.subscribers);
			this.events = new TickEvent[EVENTS];
			for (int i = 0; i < EVENTS; i++) {
				this.events[i] = new TickEvent(benchmark, benchmark.ticks[i]);
			}
			this.executor = Executors.newFixedThreadPool(THREADS, daemonThreads("spring"));
			this.multicaster = new SimpleApplicationEventMulticaster();
			this.multicaster.setTaskExecutor(this.executor);
			for (int i = 0; i < benchmark.subscribers; i++) {
				this.multicaster.addApplicationListener(new SpringListener(this.sinks.get(i)));
			}
		}

		@TearDown(Level.Trial)
		public void tearDown() throws InterruptedException {
			this.executor.shutdown();
			this.executor.awaitTermination(30, TimeUnit.SECONDS);
			this.sinks.check("spring");
		}

	}

	/** A slot of the Disruptor's ring; publishing puts the event in it. */
	static final class Slot {

		static final EventTranslatorOneArg<Slot, Tick> TRANSLATOR = (slot, sequence, tick) -> slot.tick = tick;

		Tick tick;

	}

	@State(Scope.Benchmark)
	public static class DisruptorSide {

		Disruptor<Slot> disruptor;

		RingBuffer<Slot> ring;

		Sinks sinks;

		@Setup(Level.Trial)
		@SuppressWarnings("unchecked")
		public void setUp(EventBusBenchmark benchmark) {
			this.sinks = new Sinks(benchmark.subscribers);
			this.disruptor = new Disruptor<>(Slot::new, BUFFER, daemonThreads("disruptor"), ProducerType.SINGLE,
					new BlockingWaitStrategy());
			EventHandler<Slot>[] handlers = new EventHandler[benchmark.subscribers];
			for (int i = 0; i < benchmark.subscribers; i++) {
				Sink sink = this.sinks.get(i);
				handlers[i] = (slot, sequence, endOfBatch) -> sink.accept(slot.tick);
			}
			this.disruptor.handleEventsWith(handlers);
			this.ring = this.disruptor.start();
		}

		@TearDown(Level.Trial)
		public void tearDown() {
			this.disruptor.halt();
			this.sinks.check("disruptor");
		}

	}

	static ThreadFactory daemonThreads(String prefix) {
		AtomicInteger count = new AtomicInteger();
		return (task) -> {
			Thread thread = new Thread(task, "bench-" + prefix + "-" + count.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		};
	}

}
