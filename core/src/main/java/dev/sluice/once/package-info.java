/**
 * Once: a value computed once with a declared failure policy
 * ({@link dev.sluice.once.OnceValue}), and one shared execution per key for concurrent
 * callers ({@link dev.sluice.once.SingleFlight}).
 */
@NullMarked
package dev.sluice.once;

import org.jspecify.annotations.NullMarked;
