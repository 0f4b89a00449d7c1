package dev.sluice.autoconfigure.pool;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import dev.sluice.autoconfigure.config.LayeredSettings;
import dev.sluice.autoconfigure.config.NamedComponents;
import dev.sluice.pool.PoolConfig;

import org.springframework.boot.context.properties.bind.Binder;

/**
 * The configured pools: {@code sluice.pool.instances}, each over
 * {@code sluice.pool.defaults}.
 */
final class PoolConfigs {

	static final String PREFIX = "sluice.pool";

	private PoolConfigs() {
	}

	/**
	 * The task decorator bean each configured pool names (its own, else the defaults'),
	 * with the property that named it; pools that name none are left out.
	 */
	static Map<String, NamedDecorator> taskDecorators(Binder binder) {
		Map<String, NamedDecorator> named = new LinkedHashMap<>();
		for (String name : NamedComponents.names(binder, PREFIX, PoolProperties.Pool.class)) {
			LayeredSettings<PoolProperties.Pool> settings = LayeredSettings.of(binder, PoolProperties.Pool::new)
				.layer(PREFIX + ".defaults")
				.layer(NamedComponents.instance(PREFIX, name));
			String bean = settings.settings().getTaskDecorator();
			if (bean != null && !bean.isBlank()) {
				named.put(name, new NamedDecorator(bean, settings.propertyOf("task-decorator")));
			}
		}
		return named;
	}

	/**
	 * The configured pools whose tasks are each observed ({@code observe-tasks}, their
	 * own or the defaults').
	 */
	static Set<String> observedPools(Binder binder) {
		Set<String> observed = new LinkedHashSet<>();
		for (String name : NamedComponents.names(binder, PREFIX, PoolProperties.Pool.class)) {
			LayeredSettings<PoolProperties.Pool> settings = LayeredSettings.of(binder, PoolProperties.Pool::new)
				.layer(PREFIX + ".defaults")
				.layer(NamedComponents.instance(PREFIX, name));
			if (settings.settings().isObserveTasks()) {
				observed.add(name);
			}
		}
		return observed;
	}

	/** A task decorator bean named in configuration, and the property naming it. */
	record NamedDecorator(String bean, String property) {
	}

	/** Every configured pool's settings, validated, in configuration order. */
	static Map<String, PoolConfig> of(Binder binder) {
		return NamedComponents.configs(binder, PREFIX, PoolProperties.Pool.class, PoolProperties.Pool::new,
				PoolProperties.Pool::toConfig);
	}

}
