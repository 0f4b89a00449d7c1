package dev.sluice.eventbus;

/**
 * Decides when a publish goes out: now, or later (when a transaction commits, say). The
 * one hook of {@link EventBus#publish}: it lets an integration hold a publish back
 * without the bus knowing why (the Spring integration holds publishes to after-commit
 * topics until the publisher's transaction commits).
 *
 * <p>
 * The bus calls {@link #intercept} on the publisher's thread, for every publish it
 * accepts (a publish to a bus that is shut down is refused before it gets here). The
 * interceptor either proceeds now and returns what the publication returns, or keeps the
 * publication, returns {@link PublishResult#DEFERRED}, and proceeds later, from any
 * thread, at most once; or never, having dropped the event on purpose (and counted it). A
 * later {@link Publication#proceed()} is a publish like any other: it fails with
 * {@link EventRejectedException} if the bus has been shut down meanwhile or a subscriber
 * refuses the event, and may wait for room as any publish may. The publisher has moved on
 * by then, so such a failure is the interceptor's to report.
 *
 * <p>
 * Implementations must be thread-safe; they should be cheap when they proceed at once,
 * since every publish passes through them.
 */
@FunctionalInterface
public interface PublishInterceptor {

	/**
	 * Publishes the event now through {@code publication}, or arranges for it to be
	 * published later.
	 * @return the publication's result, or {@link PublishResult#DEFERRED} when the event
	 * waits
	 */
	PublishResult intercept(String topic, Object event, Publication publication) throws InterruptedException;

	/** The publish itself: hands the event to the bus's transport. */
	@FunctionalInterface
	interface Publication {

		/**
		 * Publishes the event, as {@link EventBus#publish} would have without the
		 * interceptor.
		 * @throws EventRejectedException if the bus is shut down or a subscriber refused
		 * the event
		 * @throws InterruptedException if the thread was interrupted while it waited for
		 * room
		 */
		PublishResult proceed() throws InterruptedException;

	}

}
