/**
 * Pipelines and channels: bounded, closable channels with fan-in and fan-out
 * ({@link dev.sluice.pipeline.Channel}), and pipelines of named stages with their own
 * workers and bounded buffers ({@link dev.sluice.pipeline.Pipeline}), tracked by
 * {@link dev.sluice.pipeline.Pipelines}.
 */
@NullMarked
package dev.sluice.pipeline;

import org.jspecify.annotations.NullMarked;
