package dev.sluice.autoconfigure.lifecycle;

import java.time.Duration;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the graceful shutdown that every Sluice component takes part in.
 */
@AutoConfiguration
@EnableConfigurationProperties(ShutdownProperties.class)
public final class LifecycleAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	SluiceShutdownLifecycle sluiceShutdownLifecycle(ListableBeanFactory beanFactory, ShutdownProperties properties) {
		Duration timeout = properties.getTimeout();
		if (timeout == null || timeout.isNegative()) {
			throw new InvalidConfigurationPropertyValueException("sluice.shutdown.timeout", timeout,
					"timeout must be a duration of zero or more, such as 30s");
		}
		return new SluiceShutdownLifecycle(beanFactory, timeout);
	}

}
