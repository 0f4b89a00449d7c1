package dev.sluice.eventbus;

/**
 * What one publish did, subscriber by subscriber, added up. Nothing here waits for
 * delivery: an event {@code queued} for a subscriber is delivered later, on a dispatcher
 * thread.
 *
 * @param subscribers subscribers of the topic that take events of this type
 * @param queued subscribers the event was queued for
 * @param droppedNewest subscribers for which this event was dropped (buffer full,
 * drop-newest)
 * @param droppedOldest subscribers for which an older event was dropped to queue this one
 */
public record PublishResult(int subscribers, int queued, int droppedNewest, int droppedOldest) {

	/** Whether every subscriber queued the event without dropping anything. */
	public boolean clean() {
		return this.queued == this.subscribers && this.droppedOldest == 0;
	}
}
