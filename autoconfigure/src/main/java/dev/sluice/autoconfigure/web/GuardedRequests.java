package dev.sluice.autoconfigure.web;

import dev.sluice.ratelimit.RateLimiter;
import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;

/**
 * Remembers, for the current web request, the rate limiter (or key's limiter) that a
 * {@code @RateLimited} guard took a permit from, so that the response can carry its
 * {@code RateLimit} field. In a Spring MVC application the request is the thread's; in a
 * WebFlux application it is the exchange that {@link RateLimitHeadersWebFilter} made
 * current, on the thread that delivers its signals or that takes a guarded subscription's
 * permit ({@link GuardedSubscriptions}). Does nothing outside a web request, or without
 * Spring Web. Loads without Reactor.
 */
public final class GuardedRequests {

	/** The request attribute of the limiter. */
	static final String LIMITER = GuardedRequests.class.getName() + ".limiter";

	private static final boolean WEB = ClassUtils.isPresent(
			"org.springframework.web.context.request.RequestContextHolder", GuardedRequests.class.getClassLoader());

	private GuardedRequests() {
	}

	/** The limiter that let the current request's handler run. */
	public static void rateLimitedBy(RateLimiter limiter) {
		if (WEB && Web.record(limiter)) {
			return;
		}
		RateLimitedExchange exchange = RateLimitedExchange.current();
		if (exchange != null) {
			exchange.record(limiter);
		}
	}

	/** Kept apart, so that nothing of Spring Web loads without it. */
	private static final class Web {

		static boolean record(RateLimiter limiter) {
			@Nullable RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
			if (attributes == null) {
				return false;
			}
			attributes.setAttribute(LIMITER, limiter, RequestAttributes.SCOPE_REQUEST);
			return true;
		}

	}

}
