/**
 * The {@code sluice} actuator endpoint: every component with its configuration and live
 * state, gathered from one contributor per kind.
 */
@NullMarked
package dev.sluice.autoconfigure.actuate;

import org.jspecify.annotations.NullMarked;
