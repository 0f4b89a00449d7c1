package dev.sluice.eventbus;

import java.util.Locale;

/**
 * What publishing does when a subscriber's buffer is full (the buffer overflows); chosen
 * per subscriber.
 */
public enum BufferOverflow {

	/**
	 * The new event is dropped for this subscriber (Go's {@code select} with
	 * {@code default}).
	 */
	DROP_NEWEST,

	/** The oldest queued event is dropped to make room for the new one. */
	DROP_OLDEST,

	/**
	 * The publisher waits for room up to the subscriber's publish timeout; if none comes,
	 * the event is dropped for this subscriber and the publish fails.
	 */
	BLOCK,

	/** The event is dropped for this subscriber and the publish fails. */
	FAIL;

	/** The name as written in configuration, such as {@code drop-oldest}. */
	public String configName() {
		return name().toLowerCase(Locale.ROOT).replace('_', '-');
	}

}
