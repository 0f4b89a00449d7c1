package dev.sluice.redis.testing;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisURI;

/**
 * A Redis server of a test's own, on a free loopback port, for what the shared server
 * must not go through: being stopped, restarted, or made unreachable. It keeps an
 * append-only file fsynced on every write, so that a restart loses nothing the server
 * acknowledged. Needs the {@code redis-server} binary ({@code .ci/run} installs it);
 * without it the test is skipped, or fails under {@code CI=true}.
 */
public final class OwnedRedis implements AutoCloseable {

	private final int port;

	private final Path dir;

	private Process process;

	private OwnedRedis(int port, Path dir) {
		this.port = port;
		this.dir = dir;
	}

	/**
	 * Starts a server; skips (or under CI fails) the test when there is no
	 * {@code redis-server}.
	 */
	public static OwnedRedis start() {
		String binary = binary();
		if (binary == null) {
			TestRedis.unavailable("No redis-server binary on the PATH or in /usr/bin, /usr/local/bin");
		}
		try {
			OwnedRedis redis = new OwnedRedis(freePort(), Files.createTempDirectory("sluice-redis"));
			redis.launch();
			return redis;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not start redis-server", ex);
		}
	}

	public RedisURI uri() {
		return RedisURI.builder().withHost("127.0.0.1").withPort(this.port).withTimeout(Duration.ofSeconds(2)).build();
	}

	public int port() {
		return this.port;
	}

	/**
	 * Kills the server at once, as a crash would; what it acknowledged is in its
	 * append-only file.
	 */
	public synchronized void kill() {
		if (this.process != null) {
			this.process.destroyForcibly();
			try {
				this.process.waitFor(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			this.process = null;
		}
	}

	/**
	 * Freezes the server (SIGSTOP), as a stalled host would: connections stay open and
	 * nothing answers until {@link #thaw()}.
	 */
	public synchronized void freeze() {
		signal("-STOP");
	}

	/** Lets a frozen server run again (SIGCONT). */
	public synchronized void thaw() {
		signal("-CONT");
	}

	private void signal(String signal) {
		if (this.process == null) {
			throw new IllegalStateException("redis-server on port " + this.port + " is not running");
		}
		try {
			Process kill = new ProcessBuilder("kill", signal, String.valueOf(this.process.pid())).inheritIO().start();
			if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
				throw new IllegalStateException(
						"kill " + signal + " of redis-server " + this.process.pid() + " failed");
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not run kill " + signal, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** Starts the server again on the same port and files. */
	public synchronized void restart() {
		kill();
		launch();
	}

	private synchronized void launch() {
		try {
			this.process = new ProcessBuilder(List.of(binary(), "--port", String.valueOf(this.port), "--bind",
					"127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir",
					this.dir.toString(), "--daemonize", "no", "--logfile", this.dir.resolve("redis.log").toString()))
				.redirectErrorStream(true)
				.redirectOutput(this.dir.resolve("stdout.log").toFile())
				.start();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not start redis-server", ex);
		}
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (!TestRedis.answers("127.0.0.1", this.port)) {
			if (System.nanoTime() > deadline || !this.process.isAlive()) {
				throw new IllegalStateException(
						"redis-server on port " + this.port + " did not start; see " + this.dir);
			}
			try {
				Thread.sleep(20);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
		}
	}

	@Override
	public void close() {
		kill();
		File[] files = this.dir.toFile().listFiles();
		if (files != null) {
			for (File file : files) {
				deleteTree(file);
			}
		}
		this.dir.toFile().delete();
	}

	private static void deleteTree(File file) {
		File[] children = file.listFiles();
		if (children != null) {
			for (File child : children) {
				deleteTree(child);
			}
		}
		file.delete();
	}

	private static String binary() {
		for (String candidate : List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server")) {
			if (new File(candidate).canExecute()) {
				return candidate;
			}
		}
		String path = System.getenv("PATH");
		if (path != null) {
			for (String dir : path.split(File.pathSeparator)) {
				File candidate = new File(dir, "redis-server");
				if (candidate.canExecute()) {
					return candidate.getPath();
				}
			}
		}
		return null;
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
