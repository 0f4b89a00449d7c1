package dev.sluice.benchmarks;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.sluice.pipeline.Channel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Hand-off of 100,000 items from one producer thread to one consumer (the benchmark
 * thread) through a bounded buffer of 1024, item by item: a Sluice {@link Channel}
 * ({@code send} with a timeout, {@code receive} with a timeout) against an
 * {@link ArrayBlockingQueue} ({@code put}, {@code take}). Scored per item.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ChannelBenchmark {

	static final int ITEMS = 100_000;

	static final int CAPACITY = 1024;

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private static final Integer ITEM = 42;

	@Benchmark
	@OperationsPerInvocation(ITEMS)
	public long sluiceChannel() throws Exception {
		Channel<Integer> channel = Channel.bounded(CAPACITY);
		Thread producer = new Thread(() -> {
			try {
				for (int i = 0; i < ITEMS; i++) {
					channel.send(ITEM, TIMEOUT);
				}
			}
			catch (InterruptedException | TimeoutException ex) {
				Thread.currentThread().interrupt();
			}
			finally {
				channel.close();
			}
		});
		producer.start();
		long sum = 0;
		while (true) {
			var item = channel.receive(TIMEOUT);
			if (item.isEmpty()) {
				break;
			}
			sum += item.get();
		}
		producer.join();
		return sum;
	}

	@Benchmark
	@OperationsPerInvocation(ITEMS)
	public long arrayBlockingQueue() throws InterruptedException {
		ArrayBlockingQueue<Integer> queue = new ArrayBlockingQueue<>(CAPACITY);
		Thread producer = new Thread(() -> {
			try {
				for (int i = 0; i < ITEMS; i++) {
					queue.put(ITEM);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		producer.start();
		long sum = 0;
		for (int i = 0; i < ITEMS; i++) {
			sum += queue.take();
		}
		producer.join();
		return sum;
	}

}
