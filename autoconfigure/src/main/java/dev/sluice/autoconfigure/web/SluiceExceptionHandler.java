package dev.sluice.autoconfigure.web;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

import dev.sluice.bulkhead.BulkheadException;
import dev.sluice.eventbus.EventRejectedException;
import dev.sluice.pool.TaskRejectedException;
import dev.sluice.ratelimit.RateLimitExceededException;
import dev.sluice.ratelimit.RateLimiter;
import dev.sluice.ratelimit.RateLimiterRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Turns a Sluice refusal that escapes an annotated controller, in a Spring MVC or a
 * WebFlux application, into a problem response (RFC 9457): a rate limit into 429 with
 * {@code Retry-After} (and, when configured, the IETF {@code RateLimit} and
 * {@code RateLimit-Policy} fields), a full bulkhead or pool into 503, and a publish the
 * event bus or its transport refused into 503 with {@code Retry-After}. Components that
 * are shutting down answer 503 too. In WebFlux a refusal signalled by a handler's
 * {@code Mono} is answered the same way, as long as the response is not yet committed.
 * Each problem's {@code type} links to its section of the project's
 * {@code docs/problems.md}. An application's own {@code @ExceptionHandler} for these
 * exceptions in its controller takes precedence.
 */
@RestControllerAdvice
public class SluiceExceptionHandler {

	/**
	 * Where the problem types are described: the project's docs, at the address its build
	 * declares.
	 */
	static final String PROBLEM_TYPES = "https://github.com/sluice-dev/sluice/blob/main/docs/problems.md#";

	/**
	 * How long a client refused for a full event bus is told to wait: the bus cannot say,
	 * and its buffers drain in far less.
	 */
	static final long EVENT_RETRY_AFTER_SECONDS = 1;

	private final Function<String, Optional<RateLimiter>> limiters;

	private final boolean rateLimitFields;

	/** Problem responses without the {@code RateLimit} fields. */
	public SluiceExceptionHandler() {
		this((name) -> Optional.empty(), false);
	}

	/**
	 * Problem responses, with the {@code RateLimit} and {@code RateLimit-Policy} fields
	 * on a 429 when asked for.
	 * @param limiters the limiter of a name, for its policy
	 */
	public SluiceExceptionHandler(Function<String, Optional<RateLimiter>> limiters, boolean rateLimitFields) {
		this.limiters = limiters;
		this.rateLimitFields = rateLimitFields;
	}

	/**
	 * The handler of the application's settings; the policy of a refusing limiter is
	 * looked up in the application's registry, if it has one. Used by both the Spring MVC
	 * and the WebFlux auto-configuration.
	 */
	static SluiceExceptionHandler of(SluiceWebProperties properties, ObjectProvider<RateLimiterRegistry> limiters) {
		return new SluiceExceptionHandler((name) -> {
			RateLimiterRegistry registry = limiters.getIfAvailable();
			return (registry != null) ? registry.find(name) : Optional.empty();
		}, properties.getRateLimitHeaders() != SluiceWebProperties.RateLimitHeaders.OFF);
	}

	@ExceptionHandler(RateLimitExceededException.class)
	ResponseEntity<ProblemDetail> rateLimited(RateLimitExceededException ex) {
		boolean limited = ex.reason() == RateLimitExceededException.Reason.LIMITED;
		ProblemDetail problem = problem(limited ? HttpStatus.TOO_MANY_REQUESTS : HttpStatus.SERVICE_UNAVAILABLE,
				"rate-limited", limited ? "Rate limit reached" : "Rate limiter unavailable", ex.getMessage());
		problem.setProperty("limiter", ex.limiter());
		ResponseEntity.BodyBuilder response = ResponseEntity.status(problem.getStatus());
		if (limited) {
			long seconds = retryAfterSeconds(ex.retryAfter());
			problem.setProperty("retryAfterSeconds", seconds);
			response.header(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
			if (this.rateLimitFields) {
				this.limiters.apply(ex.limiter()).ifPresent((limiter) -> {
					response.header(RateLimitFields.POLICY, RateLimitFields.policy(limiter.name(), limiter.config()));
					response.header(RateLimitFields.LIMIT, RateLimitFields.limit(limiter.name(), 0, seconds));
				});
			}
		}
		return response.body(problem);
	}

	@ExceptionHandler(EventRejectedException.class)
	ResponseEntity<ProblemDetail> eventRejected(EventRejectedException ex) {
		ProblemDetail problem = problem(HttpStatus.SERVICE_UNAVAILABLE, "event-rejected", "Event not accepted",
				ex.getMessage());
		problem.setProperty("topic", ex.topic());
		problem.setProperty("subscribers", ex.subscribers());
		problem.setProperty("retryAfterSeconds", EVENT_RETRY_AFTER_SECONDS);
		return ResponseEntity.status(problem.getStatus())
			.header(HttpHeaders.RETRY_AFTER, Long.toString(EVENT_RETRY_AFTER_SECONDS))
			.body(problem);
	}

	@ExceptionHandler(BulkheadException.class)
	ResponseEntity<ProblemDetail> bulkheadFull(BulkheadException ex) {
		ProblemDetail problem = problem(HttpStatus.SERVICE_UNAVAILABLE, "bulkhead-full",
				(ex.reason() == BulkheadException.Reason.FULL) ? "Too many concurrent calls" : "Bulkhead unavailable",
				ex.getMessage());
		problem.setProperty("bulkhead", ex.bulkhead());
		return ResponseEntity.status(problem.getStatus()).body(problem);
	}

	@ExceptionHandler(TaskRejectedException.class)
	ResponseEntity<ProblemDetail> poolFull(TaskRejectedException ex) {
		ProblemDetail problem = problem(HttpStatus.SERVICE_UNAVAILABLE, "pool-full", "Worker pool unavailable",
				ex.getMessage());
		problem.setProperty("pool", ex.pool());
		return ResponseEntity.status(problem.getStatus()).body(problem);
	}

	private static ProblemDetail problem(HttpStatus status, String type, String title, @Nullable String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setType(URI.create(PROBLEM_TYPES + type));
		problem.setTitle(title);
		return problem;
	}

	/** Whole seconds, rounded up, and at least 1: the header has no finer unit. */
	static long retryAfterSeconds(Duration retryAfter) {
		long millis = Math.max(1, retryAfter.toMillis());
		return Math.max(1, (millis + 999) / 1000);
	}

}
