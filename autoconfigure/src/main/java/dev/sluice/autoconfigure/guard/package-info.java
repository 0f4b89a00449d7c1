/**
 * The AOP that makes guard annotations ({@code @Bulkheaded}, {@code @RateLimited}) take effect on
 * Spring beans.
 */
package dev.sluice.autoconfigure.guard;
