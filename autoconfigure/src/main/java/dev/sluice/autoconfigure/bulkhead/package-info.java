/**
 * Auto-configuration of bulkheads: the registry, metrics and endpoint contributor for
 * {@code sluice.bulkhead}.
 */
@NullMarked
package dev.sluice.autoconfigure.bulkhead;

import org.jspecify.annotations.NullMarked;
