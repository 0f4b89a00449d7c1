package dev.sluice.eventbus;

/**
 * A subscriber's hold on its topic. {@link #close()} unsubscribes: no event is queued for
 * it any more, what was queued is discarded (and counted), and at most the event being
 * delivered at that moment still reaches the handler. Closing twice does nothing.
 */
public interface Subscription extends AutoCloseable {

	/** The topic. */
	String topic();

	/** The subscriber's name on its topic. */
	String name();

	/** The subscriber's counters, consistent with each other. */
	SubscriberStats stats();

	@Override
	void close();

}
