package dev.sluice.autoconfigure.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.json.JsonParserFactory;

/**
 * The configuration metadata the build generated for the auto-configuration module, by
 * property name.
 */
final class GeneratedMetadata {

	private GeneratedMetadata() {
	}

	static Map<String, Map<?, ?>> properties() throws IOException {
		Map<String, Map<?, ?>> byName = new LinkedHashMap<>();
		try (InputStream in = GeneratedMetadata.class.getClassLoader()
			.getResourceAsStream("META-INF/spring-configuration-metadata.json")) {
			String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
			for (Object property : (List<?>) JsonParserFactory.getJsonParser().parseMap(json).get("properties")) {
				Map<?, ?> entry = (Map<?, ?>) property;
				byName.put(String.valueOf(entry.get("name")), entry);
			}
		}
		return byName;
	}

}
