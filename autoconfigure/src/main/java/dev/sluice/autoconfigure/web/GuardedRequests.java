package dev.sluice.autoconfigure.web;

import dev.sluice.ratelimit.RateLimiter;
import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;

/**
 * Remembers, for the current web request, the rate limiter (or key's limiter) that a
 * {@code @RateLimited} guard took a permit from, so that the response can carry its
 * {@code RateLimit} field. Does nothing outside a web request, or without Spring Web.
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
		if (WEB) {
			Web.record(limiter);
		}
	}

	/** Kept apart, so that nothing of Spring Web loads without it. */
	private static final class Web {

		static void record(RateLimiter limiter) {
			@Nullable RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
			if (attributes != null) {
				attributes.setAttribute(LIMITER, limiter, RequestAttributes.SCOPE_REQUEST);
			}
		}

	}

}
