package dev.sluice.autoconfigure.guard;

/**
 * How a guard annotation takes what one call needs from its component (a rate limiter's
 * permit, a bulkhead's permit). The annotation's advice decides when: around a plain
 * call, until a returned stage completes, or for a Reactor subscription.
 *
 * @param <C> the component, such as a bulkhead
 */
@FunctionalInterface
public interface Guard<C> {

	/**
	 * Takes what one call needs.
	 * @param component the component chosen for this call
	 * @param wait whether to wait up to the component's own timeout (plain calls and
	 * calls returning a stage), or not at all (Reactor subscriptions, which must not
	 * block their thread)
	 * @return what to give back when the call's work ends; the advice releases it exactly
	 * once, possibly from another thread
	 * @throws RuntimeException the component's refusal; a wait that is interrupted keeps
	 * the thread's interrupt and is refused too
	 */
	Hold take(C component, boolean wait);

	/** What a call holds while its work runs. */
	@FunctionalInterface
	interface Hold {

		/** Nothing to give back, as for a rate limiter's permit. */
		Hold NOTHING = () -> {
		};

		/** Gives back what was taken. Called exactly once. */
		void release();

	}

}
