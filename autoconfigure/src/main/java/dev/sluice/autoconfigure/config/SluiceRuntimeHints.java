package dev.sluice.autoconfigure.config;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.ExecutableMode;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.TypeReference;

/**
 * What Sluice reaches by reflection or as a resource whatever the application configures,
 * for a native image (Spring AOT writes these hints into {@code META-INF/native-image};
 * on the JVM they change nothing):
 * <ul>
 * <li>the virtual-thread API, which the core calls through reflection so that it runs on
 * Java 17 ({@code Thread.ofVirtual()}, {@code Thread.Builder.name(String, long)} and
 * {@code factory()});</li>
 * <li>the configuration metadata, read at start-up to refuse unknown {@code sluice.*}
 * keys ({@link SluiceSettings}).</li>
 * </ul>
 * What depends on the application (annotated subscriber methods, the Redis event types)
 * is contributed per application by AOT processors beside the auto-configuration that
 * uses it. Registered in {@code META-INF/spring/aot.factories}.
 */
class SluiceRuntimeHints implements RuntimeHintsRegistrar {

	static final TypeReference THREAD_BUILDER = TypeReference.of("java.lang.Thread$Builder");

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		// by name: the build may run on Java 17, where these methods do not exist
		hints.reflection()
			.registerType(Thread.class, (type) -> type.withMethod("ofVirtual", List.of(), ExecutableMode.INVOKE));
		hints.reflection()
			.registerType(THREAD_BUILDER,
					(type) -> type
						.withMethod("name", List.of(TypeReference.of(String.class), TypeReference.of(long.class)),
								ExecutableMode.INVOKE)
						.withMethod("factory", List.of(), ExecutableMode.INVOKE));
		hints.resources().registerPattern(SluiceSettings.METADATA);
	}

}
