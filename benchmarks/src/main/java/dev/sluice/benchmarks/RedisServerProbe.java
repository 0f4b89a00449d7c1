package dev.sluice.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * What the Redis benchmarks need besides the sides they compare: where Redis is, a key
 * prefix of their own, the deletion of their keys, and a look at the server around each
 * iteration.
 *
 * <p>
 * Around every iteration it reads, over a connection of its own, Redis's {@code INFO cpu}
 * ({@code used_cpu_sys + used_cpu_user}) and {@code INFO commandstats}, this JVM's CPU
 * time and the machine's busy time ({@code /proc/stat}), and prints, per iteration and
 * for all measurement iterations of the trial together:
 * <ul>
 * <li>the Redis server's CPU share (CPU seconds over wall seconds, 1.00 = one core busy),
 * the JVM's, and the machine's busy share (2.00 = both cores of the target machine);</li>
 * <li>the commands Redis executed per benchmark operation, by command (the probe's own
 * {@code INFO} left out).</li>
 * </ul>
 * The server is shared: commands of any other client in the window are counted too, so
 * run on a quiet Redis and compare with an idle window.
 *
 * <p>
 * Redis is at {@code redis://127.0.0.1:6379} unless the environment variable
 * {@value #URI_ENV} names another URI (it reaches JMH's forks, as environment variables
 * do).
 */
final class RedisServerProbe implements AutoCloseable {

	static final String URI_ENV = "SLUICE_BENCH_REDIS";

	static final String DEFAULT_URI = "redis://127.0.0.1:6379";

	private final String label;

	private final RedisClient client;

	private final StatefulRedisConnection<String, String> connection;

	private final RedisCommands<String, String> redis;

	private Snapshot start;

	private boolean measuring;

	/** The measurement iterations of the trial, added up. */
	private final Window measured = new Window();

	RedisServerProbe(String label) {
		this.label = label;
		this.client = RedisClient.create(uri());
		this.connection = this.client.connect();
		this.redis = this.connection.sync();
	}

	static RedisURI uri() {
		String uri = System.getenv(URI_ENV);
		return RedisURI.create((uri == null || uri.isBlank()) ? DEFAULT_URI : uri);
	}

	/** A key prefix that no other run uses: {@code sluice-bench:<what>:<random>:}. */
	static String uniquePrefix(String what) {
		return "sluice-bench:" + what + ":" + Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36) + ":";
	}

	/** Notes where the server, the JVM and the machine stand as an iteration starts. */
	void begin(IterationParams iteration, long ops) {
		this.measuring = iteration.getType() == IterationType.MEASUREMENT;
		this.start = snapshot(ops);
	}

	/**
	 * Prints what the iteration that began last cost the server, per op; ops is the count
	 * so far.
	 */
	void end(long ops) {
		Snapshot end = snapshot(ops);
		Window window = new Window();
		window.add(this.start, end);
		if (this.measuring) {
			this.measured.add(this.start, end);
		}
		System.out.println();
		System.out.println("[redis] " + this.label + (this.measuring ? " iteration: " : " warmup: ") + window);
	}

	/** Prints the measurement iterations of the trial, added up. */
	void summary() {
		if (this.measured.ops > 0) {
			System.out.println();
			System.out.println("[redis] " + this.label + " TRIAL (measurement iterations): " + this.measured);
		}
	}

	/** Runs a command on the probe's connection (a trim, a check). */
	RedisCommands<String, String> redis() {
		return this.redis;
	}

	/** Deletes every key that starts with the prefix; returns how many there were. */
	long deleteKeys(String prefix) {
		long deleted = 0;
		ScanCursor cursor = ScanCursor.INITIAL;
		ScanArgs match = ScanArgs.Builder.matches(prefix + "*").limit(1000);
		do {
			KeyScanCursor<String> page = this.redis.scan(cursor, match);
			if (!page.getKeys().isEmpty()) {
				deleted += this.redis.unlink(page.getKeys().toArray(new String[0]));
			}
			cursor = page;
		}
		while (!cursor.isFinished());
		return deleted;
	}

	@Override
	public void close() {
		this.connection.close();
		this.client.shutdown();
	}

	private Snapshot snapshot(long ops) {
		long nanos = System.nanoTime();
		Map<String, String> cpu = info("cpu");
		double redisCpu = Double.parseDouble(cpu.get("used_cpu_sys")) + Double.parseDouble(cpu.get("used_cpu_user"));
		Map<String, Long> calls = new HashMap<>();
		info("commandstats").forEach((key, value) -> {
			// cmdstat_get:calls=12,usec=34,usec_per_call=2.83,rejected_calls=0,failed_calls=0
			if (key.startsWith("cmdstat_")) {
				String command = key.substring("cmdstat_".length());
				for (String field : value.split(",")) {
					if (field.startsWith("calls=")) {
						calls.put(command, Long.parseLong(field.substring("calls=".length())));
					}
				}
			}
		});
		long jvmCpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
			.getProcessCpuTime();
		return new Snapshot(nanos, ops, redisCpu, calls, jvmCpu, machineBusyTicks());
	}

	private Map<String, String> info(String section) {
		Map<String, String> fields = new HashMap<>();
		for (String line : this.redis.info(section).split("\r?\n")) {
			int colon = line.indexOf(':');
			if (colon > 0 && !line.startsWith("#")) {
				fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
			}
		}
		return fields;
	}

	/**
	 * The machine's busy time in clock ticks (USER_HZ, 100 a second), or -1 off Linux.
	 */
	private static long machineBusyTicks() {
		try {
			String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
			long busy = 0;
			// cpu user nice system idle iowait irq softirq steal ...: all but idle and
			// iowait
			for (int i = 1; i < Math.min(fields.length, 9); i++) {
				if (i != 4 && i != 5) {
					busy += Long.parseLong(fields[i]);
				}
			}
			return busy;
		}
		catch (IOException | RuntimeException ex) {
			return -1;
		}
	}

	private record Snapshot(long nanos, long ops, double redisCpu, Map<String, Long> calls, long jvmCpuNanos,
			long machineTicks) {
	}

	/** One or more iterations, added up. */
	private static final class Window {

		long nanos;

		long ops;

		double redisCpu;

		long jvmCpuNanos;

		long machineTicks;

		final Map<String, Long> calls = new HashMap<>();

		void add(Snapshot from, Snapshot to) {
			this.nanos += to.nanos - from.nanos;
			this.ops += to.ops - from.ops;
			this.redisCpu += to.redisCpu - from.redisCpu;
			this.jvmCpuNanos += to.jvmCpuNanos - from.jvmCpuNanos;
			this.machineTicks += (from.machineTicks < 0 || to.machineTicks < 0) ? 0
					: to.machineTicks - from.machineTicks;
			to.calls.forEach((command, count) -> {
				long delta = count - from.calls.getOrDefault(command, 0L);
				if (delta > 0 && !command.equals("info")) {
					this.calls.merge(command, delta, Long::sum);
				}
			});
		}

		@Override
		public String toString() {
			double seconds = this.nanos / 1e9;
			StringBuilder text = new StringBuilder();
			text.append(String.format(Locale.ROOT,
					"%,d ops in %.2f s (%,.0f ops/s); CPU share (1.00 = one core): redis-server %.2f, JVM %.2f,"
							+ " whole machine %.2f",
					this.ops, seconds, this.ops / seconds, this.redisCpu / seconds, this.jvmCpuNanos / 1e9 / seconds,
					this.machineTicks / 100.0 / seconds));
			if (this.ops > 0) {
				text.append(String.format(Locale.ROOT, "; redis CPU per op %.2f us", this.redisCpu * 1e6 / this.ops));
				List<Map.Entry<String, Long>> commands = new ArrayList<>(this.calls.entrySet());
				commands.sort(Map.Entry.<String, Long>comparingByValue().reversed());
				long total = 0;
				StringBuilder each = new StringBuilder();
				for (Map.Entry<String, Long> command : commands) {
					total += command.getValue();
					each.append(String.format(Locale.ROOT, " %s=%.3f", command.getKey(),
							(double) command.getValue() / this.ops));
				}
				text.append(String.format(Locale.ROOT, "; commands per op %.3f:", (double) total / this.ops))
					.append(each);
			}
			return text.toString();
		}

	}

}
