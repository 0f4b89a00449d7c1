package dev.sluice.autoconfigure.guard;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Releases a hold exactly once, however many of a call's endings (completion,
 * cancellation, a throw) report it, and from whichever thread.
 */
final class Once extends AtomicBoolean {

	private static final long serialVersionUID = 1L;

	private final transient Guard.Hold hold;

	Once(Guard.Hold hold) {
		this.hold = hold;
	}

	void release() {
		if (compareAndSet(false, true)) {
			this.hold.release();
		}
	}

}
