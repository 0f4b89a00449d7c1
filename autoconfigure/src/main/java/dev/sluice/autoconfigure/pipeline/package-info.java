/**
 * Auto-configuration of named pipelines: the {@code Pipelines} bean, its metrics and
 * endpoint contributor.
 */
@NullMarked
package dev.sluice.autoconfigure.pipeline;

import org.jspecify.annotations.NullMarked;
