package dev.sluice.redis.ratelimit;

import java.time.Duration;

import dev.sluice.InvalidSettingException;
import dev.sluice.ratelimit.OutagePolicy;

/**
 * Immutable settings of a cluster rate limiter beyond its {@code RateLimitConfig}: what
 * it does when Redis cannot answer, and how long one round trip to Redis may take before
 * it counts as failed.
 *
 * @param onOutage what the limiter does when Redis cannot answer in time
 * @param operationTimeout the longest one round trip may take; positive
 */
public record ClusterLimitOptions(OutagePolicy onOutage, Duration operationTimeout) {

	/** Longest operation timeout: one round trip to Redis, far above any healthy one. */
	public static final Duration MAX_OPERATION_TIMEOUT = Duration.ofMinutes(1);

	public ClusterLimitOptions {
		if (onOutage == null) {
			throw new InvalidSettingException("on-outage", onOutage,
					"on-outage must be one of fail-open, fail-closed or wait, was null");
		}
		if (operationTimeout == null || operationTimeout.isNegative() || operationTimeout.isZero()
				|| operationTimeout.compareTo(MAX_OPERATION_TIMEOUT) > 0) {
			throw new InvalidSettingException("operation-timeout", operationTimeout,
					"operation-timeout must be a positive duration of at most " + MAX_OPERATION_TIMEOUT.toSeconds()
							+ "s (such as 250ms), was " + operationTimeout);
		}
	}

	/**
	 * {@link OutagePolicy#FAIL_OPEN} with a 250ms operation timeout. Failing open is the
	 * default because a shared limit usually protects a downstream from overload rather
	 * than enforcing a hard quota: losing Redis, which only coordinates the instances,
	 * should not stop the application, and each instance still keeps to the limit on its
	 * own. Choose {@link OutagePolicy#FAIL_CLOSED} for a quota that must never be
	 * exceeded. 250ms is far above a healthy round trip (well under a millisecond nearby)
	 * yet short enough for a request path.
	 */
	public static ClusterLimitOptions defaults() {
		return new ClusterLimitOptions(OutagePolicy.FAIL_OPEN, Duration.ofMillis(250));
	}

	/** A copy with another outage policy. */
	public ClusterLimitOptions withOnOutage(OutagePolicy onOutage) {
		return new ClusterLimitOptions(onOutage, this.operationTimeout);
	}

	/** A copy with another operation timeout. */
	public ClusterLimitOptions withOperationTimeout(Duration operationTimeout) {
		return new ClusterLimitOptions(this.onOutage, operationTimeout);
	}
}
