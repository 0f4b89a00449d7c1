package dev.sluice.context;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Core works without Micrometer Context Propagation on the class path: only one class
 * (with its nested classes) refers to the library, and nothing reaches it unless the
 * library is there ({@code WithoutContextLibraryTest} runs core without the jar).
 */
class LibraryIsolationTest {

	@Test
	void onlyTheAdapterRefersToTheLibrary() throws IOException {
		Path classes = Path.of(CapturedContext.class.getProtectionDomain().getCodeSource().getLocation().getPath());
		List<String> referring;
		try (Stream<Path> files = Files.walk(classes)) {
			referring = files.filter((file) -> file.toString().endsWith(".class")).filter((file) -> {
				try {
					return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)
						.contains("io/micrometer/context");
				}
				catch (IOException ex) {
					throw new IllegalStateException(ex);
				}
			}).map((file) -> classes.relativize(file).toString()).toList();
		}
		assertThat(referring).isNotEmpty()
			.allMatch((file) -> file.equals("dev/sluice/context/MicrometerThreadLocals.class")
					|| file.startsWith("dev/sluice/context/MicrometerThreadLocals$"));
	}

}
