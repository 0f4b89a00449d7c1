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
 * @param deferred whether the event was held back to be published later (until the
 * publisher's transaction commits, see {@link PublishInterceptor}); the counts are then
 * all zero, since no subscriber has seen it yet
 */
public record PublishResult(int subscribers, int queued, int droppedNewest, int droppedOldest, boolean deferred) {

	/** The result of a publish held back to go out later. */
	public static final PublishResult DEFERRED = new PublishResult(0, 0, 0, 0, true);

	/** What a publish that went out now did. */
	public PublishResult(int subscribers, int queued, int droppedNewest, int droppedOldest) {
		this(subscribers, queued, droppedNewest, droppedOldest, false);
	}

	/**
	 * Whether every subscriber queued the event without dropping anything (for a deferred
	 * publish: nothing was dropped so far).
	 */
	public boolean clean() {
		return this.queued == this.subscribers && this.droppedOldest == 0;
	}
}
