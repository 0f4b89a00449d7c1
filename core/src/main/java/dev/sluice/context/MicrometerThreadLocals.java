package dev.sluice.context;

import java.util.Map;

import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import org.jspecify.annotations.Nullable;

/**
 * Every {@code ThreadLocalAccessor} registered with Micrometer Context Propagation's
 * global {@code ContextRegistry} (MDC through {@code Slf4jThreadLocalAccessor} once the
 * application registers one, Micrometer's current observation, and whatever else the
 * application or its libraries register), through one {@link ContextSnapshotFactory}. The
 * only class of Sluice that refers to {@code io.micrometer.context}; it is loaded only
 * when that library is present.
 *
 * <p>
 * The factory does not clear missing values ({@code clearMissing(false)}, the library's
 * and Spring's default): an accessor with no value on the submitting thread is left alone
 * on the running thread. Each restore's scope puts back the values the thread had before,
 * so a worker's thread-locals are the same before and after every task, and nothing
 * travels from one task to the next.
 */
final class MicrometerThreadLocals implements ThreadLocals {

	private final ContextSnapshotFactory factory = ContextSnapshotFactory.builder().build();

	@Override
	public @Nullable Object capture() {
		ContextSnapshot snapshot = this.factory.captureAll();
		// the library's snapshot is a map of the captured values: an empty one is not
		// worth keeping (for events, one is kept per event)
		if (snapshot instanceof Map<?, ?> values && values.isEmpty()) {
			return null;
		}
		return snapshot;
	}

	@Override
	public Restored restore(Object captured) {
		return ((ContextSnapshot) captured).setThreadLocals()::close;
	}

}
