package dev.sluice.eventbus;

import java.time.Duration;

/**
 * One subscriber's counters, read together under its lock, so that the accounting holds
 * exactly: {@code offered == delivered + dropped() + failed + queued}.
 *
 * @param topic the topic
 * @param name the subscriber
 * @param buffer its buffer size
 * @param overflow its overflow policy
 * @param offered events published to it
 * @param delivered events its handler took without throwing
 * @param failed events its handler threw on
 * @param droppedNewest events dropped because its buffer was full (drop-newest)
 * @param droppedOldest queued events dropped to make room (drop-oldest)
 * @param rejected events refused under fail, or after the publish timeout under block
 * @param discarded events still queued when it unsubscribed or the bus was abandoned at
 * shutdown
 * @param queued events waiting for it or being delivered now
 * @param deliveryTime total time from publish to the end of delivery
 */
public record SubscriberStats(String topic, String name, int buffer, BufferOverflow overflow, long offered,
		long delivered, long failed, long droppedNewest, long droppedOldest, long rejected, long discarded, long queued,
		Duration deliveryTime) {

	/** Every event dropped, for whatever reason. */
	public long dropped() {
		return this.droppedNewest + this.droppedOldest + this.rejected + this.discarded;
	}
}
