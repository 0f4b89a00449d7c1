package dev.sluice.redis.eventbus;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;

/**
 * Wraps a transport's connections so that a test can hold a worker at one command: after
 * {@link #holdAt}, the first call of that command, on whichever connection, waits on the
 * calling thread until the test releases it. The command is then sent as usual. Every
 * other call goes straight through.
 */
final class HeldConnections implements UnaryOperator<StatefulRedisConnection<String, String>> {

	private volatile Hold hold;

	/**
	 * Holds the next call of the command (a method name of {@link RedisAsyncCommands},
	 * such as {@code xreadgroup}).
	 */
	Hold holdAt(String command) {
		Hold hold = new Hold(command);
		this.hold = hold;
		return hold;
	}

	@Override
	@SuppressWarnings("unchecked")
	public StatefulRedisConnection<String, String> apply(StatefulRedisConnection<String, String> connection) {
		RedisAsyncCommands<String, String> commands = (RedisAsyncCommands<String, String>) proxy(
				RedisAsyncCommands.class, connection.async(), (method, args) -> {
					Hold hold = this.hold;
					if (hold != null && hold.command.equals(method.getName())) {
						hold.await();
					}
					return null;
				});
		return (StatefulRedisConnection<String, String>) proxy(StatefulRedisConnection.class, connection,
				(method, args) -> ("async".equals(method.getName()) && args == null) ? commands : null);
	}

	/**
	 * A proxy of the interface that calls {@code before}, and answers what it returns, or
	 * else the target's.
	 */
	private static Object proxy(Class<?> type, Object target, Before before) {
		InvocationHandler handler = (proxy, method, args) -> {
			Object instead = before.call(method, args);
			if (instead != null) {
				return instead;
			}
			try {
				return method.invoke(target, args);
			}
			catch (InvocationTargetException ex) {
				throw ex.getCause();
			}
		};
		return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type }, handler);
	}

	private interface Before {

		Object call(java.lang.reflect.Method method, Object[] args) throws Exception;

	}

	/**
	 * One hold: {@link #reached} when a call came to it, which then waits for
	 * {@link #release}.
	 */
	static final class Hold {

		final CountDownLatch reached = new CountDownLatch(1);

		final CountDownLatch release = new CountDownLatch(1);

		private final String command;

		private final AtomicBoolean taken = new AtomicBoolean();

		Hold(String command) {
			this.command = command;
		}

		private void await() {
			if (!this.taken.compareAndSet(false, true)) {
				return;
			}
			this.reached.countDown();
			try {
				this.release.await(60, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

	}

}
