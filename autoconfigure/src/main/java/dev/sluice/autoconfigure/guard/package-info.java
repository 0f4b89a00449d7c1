/**
 * The AOP that makes guard annotations ({@code @Bulkheaded}, {@code @RateLimited}) take
 * effect on Spring beans.
 */
@NullMarked
package dev.sluice.autoconfigure.guard;

import org.jspecify.annotations.NullMarked;
