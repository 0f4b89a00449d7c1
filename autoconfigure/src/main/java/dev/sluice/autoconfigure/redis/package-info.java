/**
 * Auto-configuration of Sluice on Redis: cluster rate limiters, the Redis Streams event
 * transport, their health and endpoint section; active only when a component is switched
 * to Redis.
 */
@NullMarked
package dev.sluice.autoconfigure.redis;

import org.jspecify.annotations.NullMarked;
