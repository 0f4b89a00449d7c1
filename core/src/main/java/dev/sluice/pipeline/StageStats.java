package dev.sluice.pipeline;

import java.time.Duration;

/**
 * What one stage of a pipeline has done, cumulative over every run of the pipelines of
 * that name in one {@link Pipelines}.
 *
 * @param pipeline the pipeline's name
 * @param stage the stage's name
 * @param workers the stage's workers in the latest run
 * @param itemsIn items the stage has taken
 * @param itemsOut items the stage has passed on
 * @param busyTime time the stage's workers spent on items
 * @param buffered items waiting in the stage's output buffer now (0 when not running)
 */
public record StageStats(String pipeline, String stage, int workers, long itemsIn, long itemsOut, Duration busyTime,
		int buffered) {

	/** Average time per item taken, or zero before the first. */
	public Duration timePerItem() {
		return (this.itemsIn == 0) ? Duration.ZERO : this.busyTime.dividedBy(this.itemsIn);
	}
}
