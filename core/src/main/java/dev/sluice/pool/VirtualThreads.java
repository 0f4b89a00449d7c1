package dev.sluice.pool;

import java.lang.reflect.Method;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;

/**
 * The one place that touches the Java 21 virtual-thread API, through reflection, so that
 * the rest of Sluice compiles and runs on Java 17.
 */
final class VirtualThreads {

	private VirtualThreads() {
	}

	/** Whether this JVM can create virtual threads. */
	static boolean available() {
		return factory("probe-").isPresent();
	}

	/**
	 * A factory of virtual threads named {@code prefix1}, {@code prefix2}, ..., where the
	 * JVM has them.
	 */
	static Optional<ThreadFactory> factory(String prefix) {
		try {
			Method ofVirtual = Thread.class.getMethod("ofVirtual");
			Object builder = ofVirtual.invoke(null);
			Class<?> builderType = Class.forName("java.lang.Thread$Builder");
			builder = builderType.getMethod("name", String.class, long.class).invoke(builder, prefix, 1L);
			return Optional.of((ThreadFactory) builderType.getMethod("factory").invoke(builder));
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			return Optional.empty();
		}
	}

}
