/**
 * The connection to Redis that the cluster rate limiters and the event transport share
 * the handling of: made in the background, retried while Redis is away, refusing callers
 * meanwhile ({@link dev.sluice.redis.connection.BackgroundConnection}). Internal to
 * {@code sluice-redis}.
 */
@NullMarked
package dev.sluice.redis.connection;

import org.jspecify.annotations.NullMarked;
