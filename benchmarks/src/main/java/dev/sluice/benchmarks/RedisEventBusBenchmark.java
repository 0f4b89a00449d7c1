package dev.sluice.benchmarks;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.sluice.eventbus.BufferOverflow;
import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.SubscriberOptions;
import dev.sluice.redis.eventbus.EventTypes;
import dev.sluice.redis.eventbus.RedisEventTransport;
import dev.sluice.redis.eventbus.RedisStreamSettings;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;

/**
 * Events per second through Redis Streams (loopback, by default
 * {@code redis://127.0.0.1:6379}; see {@link RedisServerProbe}), one publishing thread.
 * Two ways, in one JMH run:
 * <ul>
 * <li>{@code sluiceRedisEventBus}: <em>end to end</em>. A Sluice {@link EventBus} (2
 * dispatcher threads) on a {@link RedisEventTransport} (poll timeout
 * {@value #POLL_MILLIS} ms, batch size {@value #BATCH_SIZE}, no max-length), with one
 * plain subscriber (buffer 1024, {@link BufferOverflow#BLOCK}, so nothing is dropped). An
 * op publishes {@value #EVENTS} events one by one with {@link EventBus#publish}, each of
 * which is one XADD whose answer the publisher waits for, then waits until the subscriber
 * has received all of them: they come back from the stream through the transport's reader
 * thread (XREAD, up to a batch per read) and the subscriber's buffer. An op fails the run
 * if an event is still missing after 60 s, or if one came twice.</li>
 * <li>{@code rawLettuceXadd}: the floor. One thread and a Lettuce connection of its own
 * doing {@value #EVENTS} synchronous XADDs of an entry like Sluice's (the same four
 * fields, {@code type}, {@code data}, {@code origin} and {@code ts}, with values of the
 * same sizes), and nothing else: no reader, no delivery.</li>
 * </ul>
 * Scored per event ({@code @OperationsPerInvocation}), in events per second. The event is
 * a small record ({@code {"seq":N}} as JSON). Each side has its own {@link RedisClient}
 * and its own stream under a key prefix of the run's own; the streams are trimmed to
 * nothing ({@code XTRIM MAXLEN 0}, which keeps the stream's last id, so the reader's
 * position stays valid) after each iteration, and deleted at the end of the trial.
 *
 * <p>
 * Around every iteration the {@link RedisServerProbe} prints the Redis server's CPU share
 * and the commands Redis executed per event.
 *
 * <p>
 * Goal: the Sluice bus, end to end, at least half the raw XADD rate.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class RedisEventBusBenchmark {

	/** Events per op. */
	static final int EVENTS = 1000;

	static final String TOPIC = "ticks";

	/** The transport's read batch (its default is 64). */
	static final int BATCH_SIZE = 64;

	/** How long one XREAD blocks in Redis when the stream has nothing new. */
	static final int POLL_MILLIS = 100;

	/** How long an op may wait for its events before it fails. */
	static final long AWAIT_SECONDS = 60;

	/** The event, written as {@code {"seq":N}}. */
	public record Tick(long seq) {
	}

	/** Events counted for the probe, by either side. */
	abstract static class Side {

		final AtomicLong events = new AtomicLong();

		String prefix;

		RedisServerProbe probe;

		RedisClient client;

		void startProbe(String label) {
			this.prefix = RedisServerProbe.uniquePrefix(label);
			this.probe = new RedisServerProbe(label);
			this.client = RedisClient.create(RedisServerProbe.uri());
		}

		@Setup(Level.Iteration)
		public void beginIteration(IterationParams iteration) {
			this.probe.begin(iteration, this.events.get());
		}

		@TearDown(Level.Iteration)
		public void endIteration() {
			this.probe.end(this.events.get());
			// keep memory flat; XTRIM (unlike DEL) keeps the stream's last id, so ids
			// keep growing
			this.probe.redis().xtrim(streamKey(), 0);
		}

		abstract String streamKey();

		void closeProbe() {
			try {
				if (this.client != null) {
					this.client.shutdown();
				}
			}
			finally {
				if (this.probe != null) {
					this.probe.summary();
					this.probe.deleteKeys(this.prefix);
					this.probe.close();
				}
			}
		}

	}

	@State(Scope.Benchmark)
	public static class SluiceSide extends Side {

		RedisEventTransport transport;

		EventBus bus;

		final AtomicLong received = new AtomicLong();

		volatile CountDownLatch done = new CountDownLatch(0);

		Tick[] ticks;

		@Setup(Level.Trial)
		public void setUp() {
			startProbe("sluice-eventbus");
			this.ticks = new Tick[EVENTS];
			for (int i = 0; i < EVENTS; i++) {
				this.ticks[i] = new Tick(1_000_000 + i);
			}
			this.transport = RedisEventTransport.builder(this.client)
				.keyPrefix(this.prefix)
				.eventTypes(EventTypes.builder().register("tick", Tick.class).build())
				.pollTimeout(Duration.ofMillis(POLL_MILLIS))
				.batchSize(BATCH_SIZE)
				// as measured before the defaults became the Spring ones: no trimming, a
				// 2s publish timeout
				.maxLength(RedisStreamSettings.NO_TRIMMING)
				.publishTimeout(Duration.ofSeconds(2))
				.build();
			this.bus = EventBus.create("bench", 2, this.transport);
			this.bus.subscribe(TOPIC, Tick.class, this::accept,
					SubscriberOptions.named("s")
						.withBuffer(1024)
						.withOverflow(BufferOverflow.BLOCK)
						.withPublishTimeout(Duration.ofSeconds(30)));
		}

		void accept(Tick tick) {
			if (this.received.incrementAndGet() == EVENTS) {
				this.done.countDown();
			}
		}

		@Override
		String streamKey() {
			return this.transport.streamKey(TOPIC);
		}

		@TearDown(Level.Trial)
		public void tearDown() {
			try {
				if (this.bus != null) {
					this.bus.close();
				}
				if (this.transport != null) {
					this.transport.close();
				}
			}
			finally {
				closeProbe();
			}
		}

	}

	@State(Scope.Benchmark)
	public static class RawSide extends Side {

		StatefulRedisConnection<String, String> connection;

		RedisCommands<String, String> redis;

		String key;

		/** Stands for Sluice's {@code origin}: an instance id of 13 characters. */
		final String origin = "0123456789abc";

		@Setup(Level.Trial)
		public void setUp() {
			startProbe("raw-xadd");
			this.connection = this.client.connect();
			this.redis = this.connection.sync();
			this.key = this.prefix + "events:" + TOPIC;
		}

		@Override
		String streamKey() {
			return this.key;
		}

		@TearDown(Level.Trial)
		public void tearDown() {
			try {
				if (this.connection != null) {
					this.connection.close();
				}
			}
			finally {
				closeProbe();
			}
		}

	}

	@Benchmark
	@OperationsPerInvocation(EVENTS)
	public long sluiceRedisEventBus(SluiceSide side) throws InterruptedException {
		long previous = side.received.get();
		if (side.events.get() > 0 && previous != EVENTS) {
			throw new IllegalStateException(
					"the subscriber received " + previous + " events in the last op, expected " + EVENTS);
		}
		CountDownLatch done = new CountDownLatch(1);
		side.done = done;
		side.received.set(0);
		EventBus bus = side.bus;
		for (Tick tick : side.ticks) {
			bus.publish(TOPIC, tick);
		}
		if (!done.await(AWAIT_SECONDS, TimeUnit.SECONDS)) {
			throw new IllegalStateException("not every event delivered after " + AWAIT_SECONDS + " s: "
					+ side.received.get() + " of " + EVENTS);
		}
		side.events.addAndGet(EVENTS);
		return side.received.get();
	}

	@Benchmark
	@OperationsPerInvocation(EVENTS)
	public long rawLettuceXadd(RawSide side) {
		RedisCommands<String, String> redis = side.redis;
		long last = 0;
		for (int i = 0; i < EVENTS; i++) {
			Map<String, String> body = new LinkedHashMap<>(8);
			body.put("type", "tick");
			body.put("data", "{\"seq\":" + (1_000_000 + i) + "}");
			body.put("origin", side.origin);
			body.put("ts", Long.toString(System.currentTimeMillis()));
			last += redis.xadd(side.key, body).length();
		}
		side.events.addAndGet(EVENTS);
		return last;
	}

}
