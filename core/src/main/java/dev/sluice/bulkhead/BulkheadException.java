package dev.sluice.bulkhead;

/**
 * Thrown when a {@link Bulkhead} gives no permit: none was free in time, or the bulkhead
 * is shut down. {@link #reason()} tells which.
 */
public class BulkheadException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final String bulkhead;

	private final Reason reason;

	/** A refusal by the named bulkhead, for the given reason. */
	public BulkheadException(String bulkhead, Reason reason, String message) {
		super(message);
		this.bulkhead = bulkhead;
		this.reason = reason;
	}

	/** Name of the bulkhead that refused. */
	public String bulkhead() {
		return this.bulkhead;
	}

	/** Why no permit was given. */
	public Reason reason() {
		return this.reason;
	}

	/** Why a bulkhead gave no permit. */
	public enum Reason {

		/** Every permit stayed in use for the whole acquire timeout. */
		FULL,

		/**
		 * The caller was interrupted while it waited, where the interrupt cannot be
		 * thrown as such.
		 */
		INTERRUPTED,

		/** The bulkhead is shutting down or has shut down. */
		SHUT_DOWN

	}

}
