/**
 * Context that follows the work: what Sluice captures on the thread that hands work over
 * (a pool submission, a task group's fork, a pipeline run, a publish) and restores on the
 * thread that runs it ({@link dev.sluice.context.CapturedContext}).
 */
@NullMarked
package dev.sluice.context;

import org.jspecify.annotations.NullMarked;
