/**
 * Worker pools and task groups: a fixed number of workers behind a bounded queue with a
 * chosen overflow policy ({@link dev.sluice.pool.WorkerPool}), and Go's errgroup as
 * {@link dev.sluice.pool.TaskGroup}.
 */
@NullMarked
package dev.sluice.pool;

import org.jspecify.annotations.NullMarked;
