package dev.sluice.autoconfigure.web;

import java.time.Duration;

import dev.sluice.ratelimit.RateLimitConfig;
import dev.sluice.ratelimit.RateLimiter;

import org.springframework.http.HttpHeaders;

/**
 * The IETF {@code RateLimit-Policy} and {@code RateLimit} fields
 * (draft-ietf-httpapi-ratelimit-headers) of a Sluice rate limiter, as Structured Field
 * lists of one item named after the limiter: {@code RateLimit-Policy: "api";q=20;w=1} (a
 * quota of {@code burst} permits per refill period of {@code per × burst / rate} seconds,
 * rounded up) and {@code RateLimit: "api";r=0;t=1} (permits remaining and seconds until
 * more come). A key's limiter is named as its limiter; the key itself is never sent.
 */
public final class RateLimitFields {

	/** The field of the quota policy. */
	public static final String POLICY = "RateLimit-Policy";

	/** The field of the quota left. */
	public static final String LIMIT = "RateLimit";

	private RateLimitFields() {
	}

	/** The {@code RateLimit-Policy} of the limiter's settings. */
	public static String policy(String name, RateLimitConfig config) {
		return item(name) + ";q=" + config.burst() + ";w=" + seconds(config.refreshPeriod());
	}

	/** The {@code RateLimit} of the limiter now. */
	public static String limit(RateLimiter limiter) {
		int remaining = Math.max(0, limiter.stats().available());
		long reset = seconds(Duration.ofNanos(limiter.store().nanosToNextPermit()));
		return limit(limiter.name(), remaining, reset);
	}

	/** A {@code RateLimit} value. */
	public static String limit(String name, int remaining, long resetSeconds) {
		return item(name) + ";r=" + remaining + ";t=" + resetSeconds;
	}

	/**
	 * Puts the fields of a limiter that let a handler run on its response, unless the
	 * response already tells of a limit (a refusal's, say). Shared by Spring MVC and
	 * WebFlux.
	 */
	static void addUnlessPresent(HttpHeaders headers, RateLimiter limiter) {
		if (!headers.containsHeader(LIMIT)) {
			headers.set(POLICY, policy(limiter.name(), limiter.config()));
			headers.set(LIMIT, limit(limiter));
		}
	}

	/** Whole seconds, rounded up. */
	static long seconds(Duration duration) {
		long millis = Math.max(0, duration.toMillis());
		return (millis + 999) / 1000;
	}

	/** An sf-string: printable ASCII, with quotes and backslashes escaped. */
	static String item(String name) {
		StringBuilder item = new StringBuilder(name.length() + 2).append('"');
		for (int i = 0; i < name.length(); i++) {
			char c = name.charAt(i);
			if (c == '"' || c == '\\') {
				item.append('\\').append(c);
			}
			else if (c < 0x20 || c > 0x7E) {
				item.append('?');
			}
			else {
				item.append(c);
			}
		}
		return item.append('"').toString();
	}

}
