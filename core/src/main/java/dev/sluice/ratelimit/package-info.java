/**
 * Token-bucket rate limiting on resilience4j-ratelimiter: named limiters described by
 * rate, burst and wait ({@link dev.sluice.ratelimit.RateLimiter}).
 */
@NullMarked
package dev.sluice.ratelimit;

import org.jspecify.annotations.NullMarked;
