/**
 * Cluster-wide rate limits: core {@link dev.sluice.ratelimit.RateLimiter}s whose budget
 * every instance shares, in a Bucket4j bucket in Redis reached over Lettuce
 * ({@link dev.sluice.redis.ratelimit.RedisRateLimiters}), with a chosen behaviour when
 * Redis cannot answer ({@link dev.sluice.ratelimit.OutagePolicy}).
 */
@NullMarked
package dev.sluice.redis.ratelimit;

import org.jspecify.annotations.NullMarked;
