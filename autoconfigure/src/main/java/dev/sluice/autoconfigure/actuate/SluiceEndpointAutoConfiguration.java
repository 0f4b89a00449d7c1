package dev.sluice.autoconfigure.actuate;

import dev.sluice.autoconfigure.bulkhead.BulkheadAutoConfiguration;
import dev.sluice.autoconfigure.eventbus.EventBusAutoConfiguration;
import dev.sluice.autoconfigure.pipeline.PipelineAutoConfiguration;
import dev.sluice.autoconfigure.pool.PoolAutoConfiguration;
import dev.sluice.autoconfigure.ratelimit.RateLimiterAutoConfiguration;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/** Auto-configuration of the read-only {@code /actuator/sluice} endpoint. */
@AutoConfiguration(after = { PoolAutoConfiguration.class, BulkheadAutoConfiguration.class,
		RateLimiterAutoConfiguration.class, PipelineAutoConfiguration.class, EventBusAutoConfiguration.class })
@ConditionalOnClass(Endpoint.class)
@ConditionalOnAvailableEndpoint(SluiceEndpoint.class)
public final class SluiceEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	SluiceEndpoint sluiceEndpoint(ObjectProvider<SluiceEndpointContributor> contributors) {
		return new SluiceEndpoint(contributors.orderedStream().toList());
	}

}
