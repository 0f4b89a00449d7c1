package dev.sluice.redis.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * The Redis that tests talk to, found once per JVM: a Testcontainers Redis where a Docker
 * engine answers; otherwise the server named by {@code SLUICE_TEST_REDIS}
 * ({@code redis://host:port}), or the one on {@code 127.0.0.1:6379}. When none answers,
 * tests are skipped, except under {@code CI=true}, where a missing Redis fails them.
 */
public final class TestRedis {

	private static RedisURI shared;

	private static GenericContainer<?> container;

	private TestRedis() {
	}

	/**
	 * The shared server's address; give each test its own key prefix
	 * ({@link #uniquePrefix()}).
	 */
	public static synchronized RedisURI uri() {
		if (shared == null) {
			shared = find();
		}
		return shared;
	}

	/**
	 * The Testcontainers Redis when a Docker engine runs it (for
	 * {@code @ServiceConnection}), or {@code null} when tests use a local server.
	 */
	public static synchronized GenericContainer<?> container() {
		uri();
		return container;
	}

	/**
	 * A key prefix no other test uses, so tests never see each other's keys on the shared
	 * server.
	 */
	public static String uniquePrefix() {
		return "sluice-test:" + UUID.randomUUID().toString().substring(0, 8) + ":";
	}

	/** Whether tests must fail, rather than skip, when they have no Redis. */
	public static boolean required() {
		return "true".equalsIgnoreCase(System.getenv("CI"));
	}

	/** Skips the test, or fails it under {@code CI=true}, with the reason. */
	public static void unavailable(String reason) {
		if (required()) {
			throw new AssertionError(reason + " (CI=true: tests that need Redis must not be skipped)");
		}
		Assumptions.abort(reason);
	}

	private static RedisURI find() {
		String named = System.getenv("SLUICE_TEST_REDIS");
		if (named != null && !named.isBlank()) {
			RedisURI uri = RedisURI.create(named);
			if (!answers(uri.getHost(), uri.getPort())) {
				unavailable("SLUICE_TEST_REDIS names " + named + ", which does not answer PING");
			}
			return uri;
		}
		if (dockerAvailable()) {
			container = new GenericContainer<>("redis:7-alpine").withExposedPorts(6379);
			container.start();
			Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
			return RedisURI.create(container.getHost(), container.getMappedPort(6379));
		}
		if (!answers("127.0.0.1", 6379)) {
			unavailable("No Docker engine for Testcontainers and no Redis answering on 127.0.0.1:6379"
					+ " (or set SLUICE_TEST_REDIS)");
		}
		return RedisURI.create("127.0.0.1", 6379);
	}

	private static boolean dockerAvailable() {
		// asking Testcontainers costs seconds of probing; without a socket or DOCKER_HOST
		// it cannot succeed
		String host = System.getenv("DOCKER_HOST");
		if ((host == null || host.isBlank()) && !new java.io.File("/var/run/docker.sock").exists()
				&& !new java.io.File(System.getProperty("user.home"), ".docker/run/docker.sock").exists()) {
			return false;
		}
		try {
			return DockerClientFactory.instance().isDockerAvailable();
		}
		catch (RuntimeException | LinkageError ex) {
			return false;
		}
	}

	/** Whether a Redis server answers PING at the address, within a second. */
	public static boolean answers(String host, int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(host, port), 1000);
			socket.setSoTimeout(1000);
			socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			byte[] reply = new byte[7];
			int read = socket.getInputStream().read(reply);
			return read > 0 && new String(reply, 0, read, StandardCharsets.US_ASCII).startsWith("+PONG");
		}
		catch (IOException ex) {
			return false;
		}
	}

}
