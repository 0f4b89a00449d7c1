package dev.sluice.autoconfigure.guard;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reactor is an optional dependency: the guard advice loads, links and tells return types
 * apart without it.
 */
class WithoutReactorTests {

	@Test
	void adviceLoadsAndTreatsEveryTypeWithoutReactor() throws Exception {
		URL guardClasses = GuardInterceptor.class.getProtectionDomain().getCodeSource().getLocation();
		ClassLoader withoutReactor = new ClassLoader(getClass().getClassLoader()) {

			@Override
			protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
				// the guard package itself is loaded below, where it sees no Reactor
				if (name.startsWith("reactor.") || name.startsWith("org.reactivestreams.")
						|| name.startsWith("dev.sluice.autoconfigure.guard.")) {
					throw new ClassNotFoundException(name);
				}
				return super.loadClass(name, resolve);
			}

		};
		try (URLClassLoader loader = new URLClassLoader(new URL[] { guardClasses }, withoutReactor)) {
			assertThat(loader.loadClass("dev.sluice.autoconfigure.guard.GuardInterceptor").getClassLoader())
				.isSameAs(loader);
			// initialising links the advice, which would fail if it referred to Reactor
			Class<?> interceptor = Class.forName("dev.sluice.autoconfigure.guard.GuardInterceptor", true, loader);
			Class<?> returns = Class.forName("dev.sluice.autoconfigure.guard.GuardInterceptor$Returns", true, loader);
			Method of = returns.getDeclaredMethod("of", Class.class);
			of.setAccessible(true);
			assertThat(of.invoke(null, String.class)).hasToString("PLAIN");
			assertThat(of.invoke(null, CompletableFuture.class)).hasToString("STAGE");
			// a Mono is not recognised (Reactor is absent), so it is no more than a plain
			// result
			assertThat(of.invoke(null, Mono.class)).hasToString("PLAIN");
			assertThat(interceptor.getDeclaredField("REACTOR_PRESENT")).satisfies((field) -> {
				field.setAccessible(true);
				assertThat(field.getBoolean(null)).isFalse();
			});
		}
	}

}
