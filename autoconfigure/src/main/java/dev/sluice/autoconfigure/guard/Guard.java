package dev.sluice.autoconfigure.guard;

import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;

/** What a guard annotation does around one call: take a permit, proceed, give it back. */
@FunctionalInterface
public interface Guard {

	/** Runs the invocation under the guard, or throws without running it. */
	@Nullable Object around(MethodInvocation invocation) throws Throwable;

}
