package dev.sluice.context;

import java.util.Queue;

import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ThreadLocalAccessor;
import org.jspecify.annotations.Nullable;

/**
 * An accessor of a thread-local of its own that logs every call, and fails on request.
 */
final class RecordingAccessor implements ThreadLocalAccessor<String> {

	final ThreadLocal<String> local = new ThreadLocal<>();

	private final String key;

	private final Queue<String> calls;

	volatile boolean failSet;

	volatile boolean failRestore;

	RecordingAccessor(String key, Queue<String> calls) {
		this.key = key;
		this.calls = calls;
	}

	/** A new one, registered with the registry. */
	static RecordingAccessor register(ContextRegistry registry, Queue<String> calls, String key) {
		return new RecordingAccessor(key, calls).registerWith(registry);
	}

	/**
	 * Registers this accessor, replacing one of the same key. Here rather than in the
	 * tests: a test class that hands the registry an accessor makes the verifier load the
	 * library's interface, which the surefire execution without the library cannot.
	 */
	RecordingAccessor registerWith(ContextRegistry registry) {
		registry.registerThreadLocalAccessor(this);
		return this;
	}

	@Override
	public Object key() {
		return this.key;
	}

	@Override
	public @Nullable String getValue() {
		this.calls.add(this.key + ".getValue");
		return this.local.get();
	}

	@Override
	public void setValue(String value) {
		this.calls.add(this.key + ".setValue(" + value + ")");
		if (this.failSet) {
			throw new IllegalStateException(this.key + ".setValue failed");
		}
		this.local.set(value);
	}

	@Override
	public void setValue() {
		this.calls.add(this.key + ".setValue()");
		this.local.remove();
	}

	@Override
	public void restore(String previousValue) {
		this.calls.add(this.key + ".restore(" + previousValue + ")");
		this.local.set(previousValue);
		if (this.failRestore) {
			throw new IllegalStateException(this.key + ".restore failed");
		}
	}

	@Override
	public void restore() {
		this.calls.add(this.key + ".restore()");
		this.local.remove();
		if (this.failRestore) {
			throw new IllegalStateException(this.key + ".restore failed");
		}
	}

}
