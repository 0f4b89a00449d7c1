/**
 * Auto-configuration of rate limiters: the registry, metrics and endpoint contributor for
 * {@code sluice.rate-limiter}, local or cluster-wide.
 */
@NullMarked
package dev.sluice.autoconfigure.ratelimit;

import org.jspecify.annotations.NullMarked;
