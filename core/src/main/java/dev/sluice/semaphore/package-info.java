/**
 * Semaphores (bulkheads): named, weighted limits on concurrent work, with timeouts, metrics and a
 * permit that try-with-resources releases exactly once ({@link dev.sluice.semaphore.Bulkhead}).
 */
package dev.sluice.semaphore;
