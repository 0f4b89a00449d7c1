/**
 * Auto-configuration of worker pools: a bean per configured pool, the registry, metrics
 * and endpoint contributor.
 */
@NullMarked
package dev.sluice.autoconfigure.pool;

import org.jspecify.annotations.NullMarked;
