package dev.sluice.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The repository's own files (its README, docs and build), for tests that check what they
 * say.
 */
public final class RepositoryFiles {

	private RepositoryFiles() {
	}

	/**
	 * The repository's root: the nearest directory above the working directory with
	 * {@code docs/design.md}.
	 */
	public static Path root() {
		Path directory = Path.of("").toAbsolutePath();
		while (directory != null && !Files.exists(directory.resolve("docs/design.md"))) {
			directory = directory.getParent();
		}
		if (directory == null) {
			throw new IllegalStateException("No repository root above " + Path.of("").toAbsolutePath());
		}
		return directory;
	}

	/**
	 * The anchors GitHub gives the headings of a Markdown page (none for other files).
	 */
	public static List<String> anchors(Path page) throws IOException {
		List<String> anchors = new ArrayList<>();
		if (!page.toString().endsWith(".md")) {
			return anchors;
		}
		boolean fenced = false;
		for (String line : Files.readAllLines(page)) {
			if (line.startsWith("```")) {
				fenced = !fenced;
			}
			else if (!fenced && line.startsWith("#")) {
				String heading = line.replaceFirst("^#+\\s*", "").toLowerCase(Locale.ROOT);
				anchors.add(heading.replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'));
			}
		}
		return anchors;
	}

}
