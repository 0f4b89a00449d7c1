/**
 * What every Sluice component shares for graceful shutdown: stop intake, drain within a
 * deadline, abandon and report what is left.
 */
@NullMarked
package dev.sluice.lifecycle;

import org.jspecify.annotations.NullMarked;
