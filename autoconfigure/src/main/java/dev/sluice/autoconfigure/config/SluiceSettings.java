package dev.sluice.autoconfigure.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.json.JsonParserFactory;
import org.springframework.core.env.Environment;
import org.springframework.core.env.StandardEnvironment;

/**
 * Every setting Sluice knows, read from its generated configuration metadata, and the
 * check that the application sets no other {@code sluice.*} key: a typo ({@code wrkers})
 * or a key of an older release would otherwise be ignored without a word.
 *
 * <p>
 * Design notes. The metadata lists each setting once, under the kind's {@code defaults}
 * block; a map of settings objects ({@code sluice.pool.instances}) is a map property
 * whose value type is the same class, so an instance's keys are the fields that class has
 * in the metadata. The known names form a tree whose map nodes accept any key. An unknown
 * key is reported with the closest known one, found level by level (edit distance), after
 * applying the renames of the keys of earlier releases. Keys from the process environment
 * are not checked: it holds variables of other programs too.
 */
public final class SluiceSettings {

	static final String METADATA = "META-INF/spring-configuration-metadata.json";

	private static final ConfigurationPropertyName ROOT = ConfigurationPropertyName.of("sluice");

	/** Keys of earlier releases and what they are now, by leading segments. */
	private static final Map<String, String> RENAMED = renamed();

	private final Node root = new Node();

	private SluiceSettings() {
	}

	private static Map<String, String> renamed() {
		Map<String, String> renamed = new LinkedHashMap<>();
		renamed.put("sluice.pools", "sluice.pool.instances");
		renamed.put("sluice.pool-defaults", "sluice.pool.defaults");
		renamed.put("sluice.semaphores", "sluice.bulkhead.instances");
		renamed.put("sluice.rate-limiters", "sluice.rate-limiter.instances");
		renamed.put("sluice.event-bus.subscriber-defaults", "sluice.event-bus.subscriber.defaults");
		renamed.put("sluice.event-bus.subscribers", "sluice.event-bus.subscriber.instances");
		renamed.put("sluice.event-bus.topics", "sluice.event-bus.subscriber.topics");
		return renamed;
	}

	/** The settings in the metadata on the class path. */
	public static SluiceSettings load(ClassLoader classLoader) {
		SluiceSettings settings = new SluiceSettings();
		Map<String, Set<String>> fieldsByType = new LinkedHashMap<>();
		Map<String, String> maps = new LinkedHashMap<>();
		List<Map<?, ?>> nestedGroups = new ArrayList<>();
		try {
			Enumeration<URL> resources = classLoader.getResources(METADATA);
			while (resources.hasMoreElements()) {
				URL url = resources.nextElement();
				for (Object group : entries(url, "groups")) {
					Map<?, ?> entry = (Map<?, ?>) group;
					if (String.valueOf(entry.get("name")).startsWith("sluice.") && entry.get("sourceMethod") != null
							&& entry.get("sourceType") != null && entry.get("type") != null) {
						// a block nested in a settings class, such as the keys of a rate
						// limiter
						nestedGroups.add(entry);
					}
				}
				for (Object property : properties(url)) {
					Map<?, ?> entry = (Map<?, ?>) property;
					String name = String.valueOf(entry.get("name"));
					if (!name.startsWith("sluice.") || removed(entry)) {
						continue;
					}
					String type = String.valueOf(entry.get("type")).replace('$', '.');
					if (type.startsWith("java.util.Map<")) {
						maps.put(name, type.substring(type.indexOf(',') + 1, type.length() - 1));
						continue;
					}
					settings.root.add(name);
					if (entry.get("sourceType") != null) {
						fieldsByType
							.computeIfAbsent(String.valueOf(entry.get("sourceType")).replace('$', '.'),
									(key) -> new LinkedHashSet<>())
							.add(name.substring(name.lastIndexOf('.') + 1));
					}
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read Sluice's configuration metadata", ex);
		}
		for (Map<?, ?> group : nestedGroups) {
			String name = String.valueOf(group.get("name"));
			Set<String> nested = fieldsByType.get(String.valueOf(group.get("type")).replace('$', '.'));
			if (nested != null) {
				String block = name.substring(name.lastIndexOf('.') + 1);
				Set<String> fields = fieldsByType.computeIfAbsent(
						String.valueOf(group.get("sourceType")).replace('$', '.'), (key) -> new LinkedHashSet<>());
				nested.forEach((field) -> fields.add(block + "." + field));
			}
		}
		maps.forEach((name, valueType) -> settings.root.addMap(name, fieldsByType.get(valueType)));
		return settings;
	}

	/** Whether the metadata lists the key only to say what replaced it. */
	private static boolean removed(Map<?, ?> entry) {
		return entry.get("deprecation") instanceof Map<?, ?> deprecation && "error".equals(deprecation.get("level"));
	}

	private static List<?> properties(URL url) throws IOException {
		return entries(url, "properties");
	}

	private static List<?> entries(URL url, String kind) throws IOException {
		try (InputStream in = url.openStream()) {
			String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
			Object entries = JsonParserFactory.getJsonParser().parseMap(json).get(kind);
			return (entries instanceof List<?> list) ? list : List.of();
		}
	}

	/**
	 * Checks every {@code sluice.*} key the application sets.
	 * @throws UnknownSettingsException naming each unknown key and, where there is one,
	 * the closest known key
	 */
	public void check(Environment environment) {
		Map<String, String> unknown = new TreeMap<>();
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
			if (StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME.equals(nameOf(source.getUnderlyingSource()))
					|| !(source instanceof IterableConfigurationPropertySource iterable)) {
				continue;
			}
			iterable.filter(ROOT::isAncestorOf).forEach((name) -> {
				String key = name.toString();
				if (!this.root.knows(segments(key), 1)) {
					unknown.put(key, suggest(key));
				}
			});
		}
		if (!unknown.isEmpty()) {
			throw new UnknownSettingsException(unknown);
		}
	}

	private static @Nullable Object nameOf(@Nullable Object propertySource) {
		return (propertySource instanceof org.springframework.core.env.PropertySource<?> source) ? source.getName()
				: null;
	}

	/** The closest known key, or {@code null} if none is close. */
	@Nullable String suggest(String key) {
		String renamed = key;
		for (Map.Entry<String, String> rename : RENAMED.entrySet()) {
			if (key.equals(rename.getKey()) || key.startsWith(rename.getKey() + ".")) {
				renamed = rename.getValue() + key.substring(rename.getKey().length());
				break;
			}
		}
		List<String> suggestion = new ArrayList<>(List.of("sluice"));
		return this.root.closest(segments(renamed), 1, suggestion) ? String.join(".", suggestion) : null;
	}

	private static List<String> segments(String key) {
		ConfigurationPropertyName name = ConfigurationPropertyName.of(key);
		List<String> segments = new ArrayList<>();
		for (int i = 0; i < name.getNumberOfElements(); i++) {
			segments.add(name.getElement(i, ConfigurationPropertyName.Form.DASHED));
		}
		return segments;
	}

	/** Edit distance, for "did you mean". */
	static int distance(String a, String b) {
		int[] previous = new int[b.length() + 1];
		int[] current = new int[b.length() + 1];
		for (int j = 0; j <= b.length(); j++) {
			previous[j] = j;
		}
		for (int i = 1; i <= a.length(); i++) {
			current[0] = i;
			for (int j = 1; j <= b.length(); j++) {
				int substitution = previous[j - 1] + ((a.charAt(i - 1) == b.charAt(j - 1)) ? 0 : 1);
				current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
			}
			int[] swap = previous;
			previous = current;
			current = swap;
		}
		return previous[b.length()];
	}

	/** A level of the tree of known names. */
	private static final class Node {

		final Map<String, Node> children = new TreeMap<>();

		/** For a map: what its values are (null: any key and anything below it). */
		@Nullable Node anyKey;

		boolean mapOfAnything;

		void add(String name) {
			nodeAt(name);
		}

		void addMap(String name, @Nullable Set<String> fields) {
			Node map = nodeAt(name);
			if (fields == null) {
				map.mapOfAnything = true;
				return;
			}
			Node values = new Node();
			for (String field : fields) {
				// a field of a nested block is a path, such as keys.max
				Node node = values;
				for (String segment : field.split("\\.")) {
					node = node.children.computeIfAbsent(segment, (key) -> new Node());
				}
			}
			map.anyKey = values;
		}

		private Node nodeAt(String name) {
			Node node = this;
			List<String> segments = segments(name);
			for (String segment : segments.subList(1, segments.size())) {
				node = node.children.computeIfAbsent(segment, (key) -> new Node());
			}
			return node;
		}

		boolean knows(List<String> segments, int from) {
			if (from == segments.size()) {
				return true;
			}
			if (this.mapOfAnything) {
				return true;
			}
			Node child = this.children.get(segments.get(from));
			if (child != null && child.knows(segments, from + 1)) {
				return true;
			}
			return this.anyKey != null && this.anyKey.knows(segments, from + 1);
		}

		/**
		 * Builds the closest known key into {@code out}; false if a level has nothing
		 * close.
		 */
		boolean closest(List<String> segments, int from, List<String> out) {
			if (from == segments.size() || this.mapOfAnything) {
				out.addAll(segments.subList(from, segments.size()));
				return true;
			}
			String segment = segments.get(from);
			if (this.anyKey != null) {
				out.add(segment);
				return this.anyKey.closest(segments, from + 1, out);
			}
			Node child = this.children.get(segment);
			String chosen = segment;
			if (child == null) {
				int best = Math.max(2, segment.length() / 3) + 1;
				for (Map.Entry<String, Node> candidate : this.children.entrySet()) {
					int distance = distance(segment, candidate.getKey());
					if (distance < best) {
						best = distance;
						chosen = candidate.getKey();
						child = candidate.getValue();
					}
				}
				if (child == null) {
					return false;
				}
			}
			out.add(chosen);
			return child.closest(segments, from + 1, out);
		}

	}

}
