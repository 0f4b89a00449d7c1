package dev.sluice.pipeline;

/** Thrown by a send on a {@link Channel} that is closed: nobody will receive the item. */
public class ChannelClosedException extends IllegalStateException {

	private static final long serialVersionUID = 1L;

	ChannelClosedException(String message) {
		super(message);
	}

}
