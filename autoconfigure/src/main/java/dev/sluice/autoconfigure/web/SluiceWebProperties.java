package dev.sluice.autoconfigure.web;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** How Sluice's refusals and limits show in HTTP responses: {@code sluice.web}. */
@ConfigurationProperties("sluice.web")
public class SluiceWebProperties {

	/**
	 * Where the IETF RateLimit and RateLimit-Policy fields are sent: off, on refusals
	 * (429 responses), or always (also on the successful responses of handlers guarded
	 * by @RateLimited).
	 */
	private RateLimitHeaders rateLimitHeaders = RateLimitHeaders.REFUSALS;

	public RateLimitHeaders getRateLimitHeaders() {
		return this.rateLimitHeaders;
	}

	public void setRateLimitHeaders(RateLimitHeaders rateLimitHeaders) {
		this.rateLimitHeaders = rateLimitHeaders;
	}

	/** Where the RateLimit fields are sent. */
	public enum RateLimitHeaders {

		/** Never. */
		OFF,

		/** On 429 responses. */
		REFUSALS,

		/** On 429 responses and on successful responses of rate-limited handlers. */
		ALWAYS

	}

}
