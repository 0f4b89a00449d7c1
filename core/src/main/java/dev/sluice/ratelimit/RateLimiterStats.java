package dev.sluice.ratelimit;

/**
 * A point-in-time view of a {@link RateLimiter}.
 *
 * @param name the limiter's name
 * @param config its current settings
 * @param available permits available now
 * @param waiting callers waiting for permits now
 * @param rejected calls that got no permit, cumulative
 * @param shutdown whether the limiter has shut down
 * @param keys keys live now ({@link RateLimiter#forKey}); {@code available} is the
 * limiter's own budget, while {@code waiting} and {@code rejected} count its keys' calls
 * too
 */
public record RateLimiterStats(String name, RateLimitConfig config, int available, int waiting, long rejected,
		boolean shutdown, int keys) {
}
