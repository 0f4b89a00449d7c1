package dev.sluice.autoconfigure.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.sluice.autoconfigure.RepositoryFiles;
import dev.sluice.autoconfigure.StartupFailures;
import dev.sluice.autoconfigure.bulkhead.BulkheadAutoConfiguration;
import dev.sluice.autoconfigure.eventbus.EventBusAutoConfiguration;
import dev.sluice.autoconfigure.lifecycle.LifecycleAutoConfiguration;
import dev.sluice.autoconfigure.pool.PoolAutoConfiguration;
import dev.sluice.autoconfigure.ratelimit.RateLimiterAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ByteArrayResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README and the pages under {@code docs/} tell the truth about the code: every
 * relative link (and its anchor) resolves, the configuration reference lists exactly the
 * settings of the metadata with the same defaults, and every YAML example uses only keys
 * Sluice knows (and, where it needs no Redis, starts an application).
 */
class DocumentationTests {

	private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

	private static final Pattern YAML_BLOCK = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL);

	private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\| ([^|]*) \\|", Pattern.MULTILINE);

	private final Path root = RepositoryFiles.root();

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SluiceSettingsAutoConfiguration.class,
				LifecycleAutoConfiguration.class, PoolAutoConfiguration.class, BulkheadAutoConfiguration.class,
				RateLimiterAutoConfiguration.class, EventBusAutoConfiguration.class));

	@Test
	void everyRelativeLinkAndAnchorResolves() throws IOException {
		List<String> broken = new ArrayList<>();
		for (Path page : pages()) {
			Matcher links = LINK.matcher(read(page));
			while (links.find()) {
				String link = links.group(1);
				if (link.matches("^[a-z]+:.*")) {
					continue;
				}
				int hash = link.indexOf('#');
				String file = (hash < 0) ? link : link.substring(0, hash);
				Path target = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
				if (!Files.exists(target)) {
					broken.add(this.root.relativize(page) + ": " + link);
				}
				else if (hash >= 0 && !RepositoryFiles.anchors(target).contains(link.substring(hash + 1))) {
					broken.add(this.root.relativize(page) + ": " + link + " (no such heading)");
				}
			}
		}
		assertThat(broken).isEmpty();
	}

	@Test
	void theConfigurationReferenceListsEverySettingOfTheMetadataWithItsDefault() throws IOException {
		Map<String, String> documented = new LinkedHashMap<>();
		Matcher rows = ROW.matcher(read(this.root.resolve("docs/configuration.md")));
		while (rows.find()) {
			documented.put(rows.group(1), rows.group(2).trim());
		}
		Map<String, Map<?, ?>> metadata = GeneratedMetadata.properties();
		List<String> wrong = new ArrayList<>();
		metadata.forEach((name, entry) -> {
			if (entry.get("deprecation") != null) {
				return;
			}
			if (String.valueOf(entry.get("type")).startsWith("java.util.Map<")) {
				if (documented.keySet().stream().noneMatch((key) -> key.startsWith(name + ".<"))) {
					wrong.add(name + ".<...> is not documented");
				}
				return;
			}
			String shown = documented.get(name);
			if (shown == null) {
				wrong.add(name + " is not documented");
				return;
			}
			Object defaultValue = entry.get("defaultValue");
			if (defaultValue != null && !shown.equals("`" + normalized(defaultValue) + "`")) {
				wrong.add(name + " is documented with default " + shown + ", the metadata says " + defaultValue);
			}
		});
		for (String key : documented.keySet()) {
			String property = key.contains(".<") ? key.substring(0, key.indexOf(".<")) : key;
			if (!metadata.containsKey(property)) {
				wrong.add(key + " is documented but is not a setting");
			}
		}
		assertThat(wrong).isEmpty();
	}

	@Test
	void everyYamlExampleUsesOnlyKnownKeysAndStartsWhereItNeedsNoRedis() throws IOException {
		SluiceSettings settings = SluiceSettings.load(getClass().getClassLoader());
		int examples = 0;
		for (Path page : pages()) {
			Matcher blocks = YAML_BLOCK.matcher(read(page));
			while (blocks.find()) {
				String yaml = blocks.group(1);
				if (!yaml.contains("sluice:")) {
					continue;
				}
				examples++;
				String where = this.root.relativize(page) + ":\n" + yaml;
				StandardEnvironment environment = new StandardEnvironment();
				List<PropertySource<?>> sources = new YamlPropertySourceLoader().load(page.toString(),
						new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8)));
				sources.forEach(environment.getPropertySources()::addFirst);
				settings.check(environment);
				if (!yaml.contains("redis") && !yaml.contains("cluster")) {
					List<String> pairs = new ArrayList<>();
					sources.forEach((source) -> pairs.addAll(pairs(source)));
					this.contextRunner.withPropertyValues(pairs.toArray(String[]::new))
						.run((context) -> assertThat(context.getStartupFailure())
							.as(() -> where + StartupFailures.analyze(context.getStartupFailure()))
							.isNull());
				}
			}
		}
		assertThat(examples).as("YAML examples found").isGreaterThanOrEqualTo(5);
	}

	private static List<String> pairs(PropertySource<?> source) {
		List<String> pairs = new ArrayList<>();
		if (source instanceof EnumerablePropertySource<?> enumerable) {
			for (String name : enumerable.getPropertyNames()) {
				pairs.add(name + "=" + enumerable.getProperty(name));
			}
		}
		return pairs;
	}

	private static String normalized(Object value) {
		return String.valueOf(value).toLowerCase(Locale.ROOT).replace('_', '-');
	}

	private List<Path> pages() throws IOException {
		List<Path> pages = new ArrayList<>(List.of(this.root.resolve("README.md"), this.root.resolve("CONTRIBUTING.md"),
				this.root.resolve("ops/README.md"), this.root.resolve("benchmarks/README.md")));
		try (Stream<Path> docs = Files.walk(this.root.resolve("docs"))) {
			docs.filter((path) -> path.toString().endsWith(".md")).sorted().forEach(pages::add);
		}
		return pages;
	}

	private static String read(Path page) throws IOException {
		return Files.readString(page);
	}

}
