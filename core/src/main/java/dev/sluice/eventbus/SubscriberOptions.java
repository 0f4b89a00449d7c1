package dev.sluice.eventbus;

import java.time.Duration;

import dev.sluice.InvalidSettingException;
import org.jspecify.annotations.Nullable;

/**
 * How one subscriber is served.
 *
 * @param name the subscriber's name, unique on its topic; shown in metrics and the
 * actuator
 * @param buffer how many events may wait for it; at least 1
 * @param overflow what publishing does when its buffer is full
 * @param publishTimeout how long a publisher waits for room under
 * {@link BufferOverflow#BLOCK}
 * @param group the group of competing consumers the subscriber belongs to, or
 * {@code null} to receive every event (broadcast). With a transport between instances,
 * each event goes to one member of the group; in one process the subscriber is the only
 * member of its group, so it receives every event.
 */
public record SubscriberOptions(String name, int buffer, BufferOverflow overflow, Duration publishTimeout,
		@Nullable String group) {

	/** Default buffer. */
	public static final int DEFAULT_BUFFER = 1024;

	public SubscriberOptions {
		if (name == null || name.isBlank()) {
			throw new InvalidSettingException("name", name, "name must not be blank");
		}
		if (buffer < 1) {
			throw new InvalidSettingException("buffer", buffer, "buffer must be at least 1, was " + buffer);
		}
		if (overflow == null) {
			throw new InvalidSettingException("overflow", overflow,
					"overflow must be one of drop-newest, drop-oldest, block, fail, was null");
		}
		if (publishTimeout == null || publishTimeout.isNegative()) {
			throw new InvalidSettingException("publish-timeout", publishTimeout,
					"publish-timeout must be a duration of zero or more (such as 100ms), was " + publishTimeout);
		}
		if (group != null && group.isBlank()) {
			throw new InvalidSettingException("group", group, "group must not be blank; leave it out for broadcast");
		}
	}

	/** Options of a broadcast subscriber, in no group. */
	public SubscriberOptions(String name, int buffer, BufferOverflow overflow, Duration publishTimeout) {
		this(name, buffer, overflow, publishTimeout, null);
	}

	/**
	 * A subscriber with the default buffer that drops the newest event when full, as Go's
	 * bus does.
	 */
	public static SubscriberOptions named(String name) {
		return new SubscriberOptions(name, DEFAULT_BUFFER, BufferOverflow.DROP_NEWEST, Duration.ofSeconds(1));
	}

	/** A copy with another buffer. */
	public SubscriberOptions withBuffer(int buffer) {
		return new SubscriberOptions(this.name, buffer, this.overflow, this.publishTimeout, this.group);
	}

	/** A copy with another overflow policy. */
	public SubscriberOptions withOverflow(BufferOverflow overflow) {
		return new SubscriberOptions(this.name, this.buffer, overflow, this.publishTimeout, this.group);
	}

	/** A copy with another publish timeout. */
	public SubscriberOptions withPublishTimeout(Duration publishTimeout) {
		return new SubscriberOptions(this.name, this.buffer, this.overflow, publishTimeout, this.group);
	}

	/** A copy in another group of competing consumers ({@code null}: broadcast). */
	public SubscriberOptions withGroup(@Nullable String group) {
		return new SubscriberOptions(this.name, this.buffer, this.overflow, this.publishTimeout, group);
	}
}
