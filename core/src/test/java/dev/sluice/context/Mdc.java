package dev.sluice.context;

import java.util.Map;

import io.micrometer.context.ContextRegistry;
import io.micrometer.context.integration.Slf4jThreadLocalAccessor;
import org.slf4j.MDC;

/**
 * The MDC as an application makes it travel: two keys, registered once with Micrometer
 * Context Propagation's global registry, as an application's configuration would.
 */
final class Mdc {

	static final String REQUEST_ID = "requestId";

	static final String USER = "user";

	static {
		ContextRegistry.getInstance().registerThreadLocalAccessor(new Slf4jThreadLocalAccessor(REQUEST_ID, USER));
	}

	private Mdc() {
	}

	/** Makes sure the accessor is registered. */
	static void register() {
		// the static initialiser did it
	}

	/** Puts the two entries on the calling thread. */
	static void put(String requestId, String user) {
		register();
		MDC.put(REQUEST_ID, requestId);
		MDC.put(USER, user);
	}

	/** What the calling thread's MDC holds of the two keys, as a readable string. */
	static String seen() {
		return MDC.get(REQUEST_ID) + "/" + MDC.get(USER);
	}

	/** The calling thread's whole MDC, empty rather than null. */
	static Map<String, String> all() {
		Map<String, String> map = MDC.getCopyOfContextMap();
		return (map != null) ? map : Map.of();
	}

}
