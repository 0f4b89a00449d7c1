/**
 * Graceful shutdown of every Sluice component when the application context closes.
 */
@NullMarked
package dev.sluice.autoconfigure.lifecycle;

import org.jspecify.annotations.NullMarked;
