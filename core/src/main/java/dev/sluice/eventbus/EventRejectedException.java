package dev.sluice.eventbus;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * Thrown by a publish that some subscriber refused: its buffer was full and its policy is
 * {@code fail}, or it stayed full for the whole publish timeout under {@code block}, or
 * the bus is shut down, or a transport between instances could not take the event. The
 * event was still queued for every other subscriber that had room.
 */
public class EventRejectedException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final String topic;

	private final List<String> subscribers;

	/**
	 * A refusal of a publish to the topic by the named subscribers (none: the whole bus
	 * or transport).
	 */
	public EventRejectedException(String topic, List<String> subscribers, String message) {
		this(topic, subscribers, message, null);
	}

	/** A refusal with its cause, such as a transport that could not reach its broker. */
	public EventRejectedException(String topic, List<String> subscribers, String message, @Nullable Throwable cause) {
		super(message, cause);
		this.topic = topic;
		this.subscribers = List.copyOf(subscribers);
	}

	/** The topic of the publish. */
	public String topic() {
		return this.topic;
	}

	/** The subscribers that refused the event; empty when the whole bus is shut down. */
	public List<String> subscribers() {
		return this.subscribers;
	}

}
