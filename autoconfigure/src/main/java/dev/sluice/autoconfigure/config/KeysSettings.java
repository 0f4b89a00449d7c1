package dev.sluice.autoconfigure.config;

import java.time.Duration;

import dev.sluice.KeyLimits;

/**
 * The {@code keys} block of a rate limiter or bulkhead: how many keys of its
 * {@code forKey} (and of a guard annotation's {@code key}) are kept, and for how long.
 */
public class KeysSettings {

	/**
	 * Most keys kept at once, each with a budget of its own; beyond that the least
	 * recently used are evicted. At least 1.
	 */
	private int max = 10000;

	/**
	 * How long a key unused is kept. A rate limiter keeps a key at least until its bucket
	 * would be full again.
	 */
	private Duration idleTimeout = Duration.ofMinutes(10);

	/** The limits these settings describe; refuses bad values naming the setting. */
	public KeyLimits toLimits() {
		return new KeyLimits(this.max, this.idleTimeout);
	}

	public int getMax() {
		return this.max;
	}

	public void setMax(int max) {
		this.max = max;
	}

	public Duration getIdleTimeout() {
		return this.idleTimeout;
	}

	public void setIdleTimeout(Duration idleTimeout) {
		this.idleTimeout = idleTimeout;
	}

}
