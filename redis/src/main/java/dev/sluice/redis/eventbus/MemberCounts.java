package dev.sluice.redis.eventbus;

import java.time.Duration;

import dev.sluice.eventbus.BufferOverflow;
import dev.sluice.eventbus.SubscriberStats;
import org.jspecify.annotations.Nullable;

/**
 * The counters of one group member, kept under one monitor so that a snapshot of them
 * adds up:
 * {@code offered == delivered + failed + deadLettered + left + skipped + inFlight} at
 * every moment ({@code reclaimed} counts again entries that are also in {@code offered}).
 * Written by the member's thread, read by any. Thread-safe.
 */
final class MemberCounts {

	/** How an entry the member read was settled. */
	enum Outcome {

		/** Its handler returned normally; it was acknowledged. */
		DELIVERED,
		/** Its handler threw, or it could not be decoded: left pending, to be retried. */
		FAILED,
		/** Written to the dead-letter stream, then acknowledged. */
		DEAD_LETTERED,
		/** Claimed, but found acknowledged already by the member it was taken from. */
		SKIPPED

	}

	private long offered;

	private long delivered;

	private long failed;

	private long reclaimed;

	private long deadLettered;

	private long left;

	private long skipped;

	private int inFlight;

	private long deliveryNanos;

	/** The member read (or claimed) a batch of entries, now in flight. */
	synchronized void read(int entries) {
		this.offered += entries;
		this.inFlight += entries;
	}

	/** The entries just read were claimed, not new. */
	synchronized void reclaimed(int entries) {
		this.reclaimed += entries;
	}

	/**
	 * One entry in flight is settled; {@code nanos} is its time from publish to handled,
	 * if delivered.
	 */
	synchronized void settle(Outcome outcome, long nanos) {
		this.inFlight--;
		switch (outcome) {
			case DELIVERED -> {
				this.delivered++;
				this.deliveryNanos += nanos;
			}
			case FAILED -> this.failed++;
			case DEAD_LETTERED -> this.deadLettered++;
			case SKIPPED -> this.skipped++;
		}
	}

	/** What is still in flight at the end of a batch is left pending, unhandled. */
	synchronized void leaveInFlight() {
		this.left += this.inFlight;
		this.inFlight = 0;
	}

	synchronized int inFlight() {
		return this.inFlight;
	}

	/**
	 * In the bus's shape (see {@link GroupMember#stats()}): offered leaves out the
	 * skipped entries, and discarded is what was dead-lettered or left.
	 */
	synchronized SubscriberStats subscriberStats(String topic, String member, int buffer, BufferOverflow overflow) {
		return new SubscriberStats(topic, member, buffer, overflow, this.offered - this.skipped, this.delivered,
				this.failed, 0, 0, 0, this.deadLettered + this.left, this.inFlight,
				Duration.ofNanos(this.deliveryNanos));
	}

	/** With the group's figures from Redis, {@code null} when unknown. */
	synchronized RedisGroupStats groupStats(String topic, String group, String member, String consumer,
			@Nullable Long pending, @Nullable Long lag) {
		return new RedisGroupStats(topic, group, member, consumer, this.offered, this.delivered, this.failed,
				this.reclaimed, this.deadLettered, this.left, this.skipped, this.inFlight, pending, lag);
	}

}
