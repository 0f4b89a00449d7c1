package dev.sluice.autoconfigure.web;

import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import reactor.util.context.ContextView;

/**
 * Lets a guarded Reactor subscription tell the WebFlux exchange it serves which rate
 * limiter let it run: the exchange is found in the subscriber's Reactor context (put
 * there by {@link RateLimitHeadersWebFilter}), whichever thread subscribes, and made
 * current only while the permit is taken. Apart from {@link GuardedRequests}, which must
 * load without Reactor.
 */
public final class GuardedSubscriptions {

	private GuardedSubscriptions() {
	}

	/**
	 * Takes a guarded subscription's permit with its subscriber's exchange, if any, made
	 * current on this thread.
	 * @param subscriber the Reactor context of the subscriber
	 * @param take takes the permit
	 * @return what {@code take} returns
	 */
	public static <T> T taking(ContextView subscriber, Supplier<T> take) {
		@Nullable Object exchange = subscriber.getOrDefault(RateLimitedExchange.class, null);
		if (!(exchange instanceof RateLimitedExchange limited)) {
			return take.get();
		}
		try (RateLimitedExchange.Scope scope = limited.makeCurrent()) {
			return take.get();
		}
	}

}
