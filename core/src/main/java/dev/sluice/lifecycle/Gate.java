package dev.sluice.lifecycle;

import java.time.Duration;

/**
 * A component that guards work done elsewhere (a semaphore, a rate limiter) and holds
 * none of its own. Stopping intake is its whole shutdown: waiting callers wake with an
 * exception, and there is nothing to drain or abandon. {@link GracefulShutdown} stops
 * gates after the components that hold work have drained, since that work may still need
 * them.
 */
public interface Gate extends Drainable {

	/** Returns at once: the work a gate guards runs on its callers' threads. */
	@Override
	default boolean awaitDrained(Duration timeout) {
		return true;
	}

	/** Stops intake; a gate holds no work, so nothing is abandoned. */
	@Override
	default int abandonRemaining() {
		stopIntake();
		return 0;
	}

	@Override
	default boolean holdsWork() {
		return false;
	}

}
