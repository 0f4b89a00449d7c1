package dev.sluice.autoconfigure.web;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.sluice.autoconfigure.RepositoryFiles;
import dev.sluice.bulkhead.BulkheadException;
import dev.sluice.eventbus.EventRejectedException;
import dev.sluice.pool.TaskRejectedException;
import dev.sluice.ratelimit.RateLimitExceededException;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each refusal's problem response: status, headers, properties, and a type that links to
 * its documentation.
 */
class SluiceExceptionHandlerTests {

	private final SluiceExceptionHandler handler = new SluiceExceptionHandler();

	@Test
	void aRateLimitIs429WithRetryAfterRoundedUpToWholeSeconds() {
		ResponseEntity<ProblemDetail> response = this.handler.rateLimited(new RateLimitExceededException("api",
				RateLimitExceededException.Reason.LIMITED, Duration.ofMillis(1200), "no permit"));
		assertThat(response.getStatusCode().value()).isEqualTo(429);
		assertThat(response.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("2");
		assertThat(response.getBody().getProperties()).containsEntry("limiter", "api")
			.containsEntry("retryAfterSeconds", 2L);
		assertThat(response.getBody().getType()).hasToString(SluiceExceptionHandler.PROBLEM_TYPES + "rate-limited");
	}

	@Test
	void anUnavailableLimiterIs503WithoutRetryAfter() {
		ResponseEntity<ProblemDetail> response = this.handler.rateLimited(new RateLimitExceededException("api",
				RateLimitExceededException.Reason.UNAVAILABLE, Duration.ZERO, "redis away"));
		assertThat(response.getStatusCode().value()).isEqualTo(503);
		assertThat(response.getHeaders().containsHeader(HttpHeaders.RETRY_AFTER)).isFalse();
	}

	@Test
	void everyProblemTypeLinksToASectionOfTheProblemsPageAtTheAddressTheBuildDeclares() throws Exception {
		List<ProblemDetail> problems = List.of(
				this.handler
					.rateLimited(new RateLimitExceededException("api", RateLimitExceededException.Reason.LIMITED,
							Duration.ofSeconds(1), "limited"))
					.getBody(),
				this.handler.bulkheadFull(new BulkheadException("db", BulkheadException.Reason.FULL, "full")).getBody(),
				this.handler
					.poolFull(
							new TaskRejectedException("orders", TaskRejectedException.Reason.QUEUE_FULL, "full", null))
					.getBody(),
				this.handler.eventRejected(new EventRejectedException("orders", List.of(), "shut down")).getBody());
		Path root = RepositoryFiles.root();
		String pom = Files.readString(root.resolve("pom.xml"));
		String declared = pom.replaceFirst("(?s).*?<url>([^<]+)</url>.*", "$1");
		assertThat(SluiceExceptionHandler.PROBLEM_TYPES).isEqualTo(declared + "/blob/main/docs/problems.md#");
		List<String> sections = RepositoryFiles.anchors(root.resolve("docs/problems.md"));
		assertThat(problems).allSatisfy((problem) -> {
			String type = problem.getType().toString();
			assertThat(type).startsWith(SluiceExceptionHandler.PROBLEM_TYPES);
			assertThat(sections).contains(type.substring(SluiceExceptionHandler.PROBLEM_TYPES.length()));
		});
	}

}
