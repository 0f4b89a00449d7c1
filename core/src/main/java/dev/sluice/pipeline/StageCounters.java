package dev.sluice.pipeline;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

import org.jspecify.annotations.Nullable;

/** The live counters of one named stage; written by its workers, read by metrics. */
final class StageCounters {

	final String pipeline;

	final String stage;

	final LongAdder in = new LongAdder();

	final LongAdder out = new LongAdder();

	final LongAdder nanos = new LongAdder();

	volatile int workers;

	/** The output channel of the run in progress, for its fill; null when not running. */
	volatile @Nullable Channel<?> output;

	StageCounters(String pipeline, String stage) {
		this.pipeline = pipeline;
		this.stage = stage;
	}

	int buffered() {
		Channel<?> output = this.output;
		return (output != null) ? output.size() : 0;
	}

	StageStats stats() {
		return new StageStats(this.pipeline, this.stage, this.workers, this.in.sum(), this.out.sum(),
				Duration.ofNanos(this.nanos.sum()), buffered());
	}

}
