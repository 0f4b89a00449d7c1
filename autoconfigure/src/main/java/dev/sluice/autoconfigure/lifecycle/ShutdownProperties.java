package dev.sluice.autoconfigure.lifecycle;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** How Sluice's components stop with the application. */
@ConfigurationProperties("sluice.shutdown")
public class ShutdownProperties {

	/**
	 * How long accepted work may take to finish when the application stops, for all
	 * components together. What is still running then is interrupted and reported as
	 * abandoned.
	 */
	private Duration timeout = Duration.ofSeconds(30);

	public Duration getTimeout() {
		return this.timeout;
	}

	public void setTimeout(Duration timeout) {
		this.timeout = timeout;
	}

}
