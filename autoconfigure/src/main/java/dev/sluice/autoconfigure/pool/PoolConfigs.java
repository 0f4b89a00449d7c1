package dev.sluice.autoconfigure.pool;

import java.util.Map;

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

	/** Every configured pool's settings, validated, in configuration order. */
	static Map<String, PoolConfig> of(Binder binder) {
		return NamedComponents.configs(binder, PREFIX, PoolProperties.Pool.class, PoolProperties.Pool::new,
				PoolProperties.Pool::toConfig);
	}

}
