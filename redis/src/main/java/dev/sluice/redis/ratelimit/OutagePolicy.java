package dev.sluice.redis.ratelimit;

/**
 * What a cluster rate limiter does when Redis cannot answer in time. Whatever the policy, no call
 * waits beyond its own timeout: each round trip is bounded by the caller's remaining time and the
 * limiter's operation timeout ({@link ClusterLimitOptions#operationTimeout()}), and a call that never
 * waits ({@code tryAcquire}) still gets one round trip bounded by the operation timeout.
 *
 * <p>After a failed round trip the limiter remembers the outage and asks Redis again only once a
 * retry interval has passed (one second, or the operation timeout if that is longer), one caller at
 * a time; meanwhile every call answers by the policy at once, so an outage does not cost a timeout
 * per call. The first round trip that succeeds ends the outage.
 *
 * <p>A caller whose own time runs out before Redis answers, while Redis is not known to be away, is
 * refused as for want of permits (reason {@code LIMITED}) under every policy, and never granted
 * locally, so that a slow but healthy Redis is not bypassed; whether Redis is away is then decided by
 * that round trip's own outcome within the operation timeout.
 */
public enum OutagePolicy {

	/**
	 * Permits come from a local limiter with the same settings, in this process only, so each
	 * instance may grant up to the whole budget while Redis is away; what was granted locally is
	 * forgotten when Redis answers again.
	 */
	FAIL_OPEN,

	/**
	 * Refuses at once with a {@code RateLimitExceededException} of reason {@code UNAVAILABLE}, so the
	 * budget is never exceeded, at the price of refusing everything while Redis is away.
	 */
	FAIL_CLOSED,

	/**
	 * Keeps asking Redis, once per retry interval, until the caller's time runs out, then refuses with
	 * reason {@code UNAVAILABLE}; the wait is interruptible, and ends at once, with reason
	 * {@code SHUT_DOWN}, when the limiter shuts down (but for a round trip in flight, which is bounded
	 * by the operation timeout). During a known outage a call that never waits is refused at once,
	 * unless it is its turn to probe Redis.
	 */
	WAIT
}
