package dev.sluice.ratelimit;

/**
 * What a rate limiter whose permits live in a shared store ({@link PermitStore}, such as
 * Redis in {@code sluice-redis}) does when the store cannot answer in time. Whatever the
 * policy, no call waits beyond its own timeout: each round trip is bounded by the
 * caller's remaining time and the store's operation timeout, and a call that never waits
 * ({@code tryAcquire}) still gets one round trip bounded by the operation timeout.
 *
 * <p>
 * After a failed round trip the store remembers the outage and asks again only once a
 * retry interval has passed (one second, or the operation timeout if that is longer), one
 * caller at a time; meanwhile every call answers by the policy at once, so an outage does
 * not cost a timeout per call. The first round trip that succeeds ends the outage.
 *
 * <p>
 * A caller whose own time runs out before the store answers, while it is not known to be
 * away, is refused as for want of permits (reason {@code LIMITED}) under every policy,
 * and never granted locally, so that a slow but healthy store is not bypassed; whether it
 * is away is then decided by that round trip's own outcome within the operation timeout.
 */
public enum OutagePolicy {

	/**
	 * Permits come from a local limiter with the same settings, in this process only, so
	 * each instance may grant up to the whole budget while the store is away; what was
	 * granted locally is forgotten when it answers again.
	 */
	FAIL_OPEN,

	/**
	 * Refuses at once with a {@code RateLimitExceededException} of reason
	 * {@code UNAVAILABLE}, so the budget is never exceeded, at the price of refusing
	 * everything while the store is away.
	 */
	FAIL_CLOSED,

	/**
	 * Keeps asking the store, once per retry interval, until the caller's time runs out,
	 * then refuses with reason {@code UNAVAILABLE}; the wait is interruptible, and ends
	 * at once, with reason {@code SHUT_DOWN}, when the limiter shuts down (but for a
	 * round trip in flight, which is bounded by the operation timeout). During a known
	 * outage a call that never waits is refused at once, unless it is its turn to probe
	 * the store.
	 */
	WAIT

}
