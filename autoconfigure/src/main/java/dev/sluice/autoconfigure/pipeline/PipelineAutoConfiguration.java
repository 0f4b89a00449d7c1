package dev.sluice.autoconfigure.pipeline;

import dev.sluice.autoconfigure.actuate.SluiceEndpointContributor;
import dev.sluice.pipeline.PipelineMetrics;
import dev.sluice.pipeline.Pipelines;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Auto-configuration of Sluice's pipelines: one {@link Pipelines} bean where the
 * application's named pipelines start, their per-stage metrics, and the running pipelines
 * in {@code /actuator/sluice}.
 */
@AutoConfiguration
@Import({ PipelineAutoConfiguration.MetricsConfiguration.class, PipelineAutoConfiguration.EndpointConfiguration.class })
public final class PipelineAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	Pipelines pipelines() {
		return new Pipelines();
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterBinder.class)
	static class MetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		PipelineMetrics pipelineMetrics(Pipelines pipelines) {
			return new PipelineMetrics(pipelines, Tags.empty());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "sluicePipelinesEndpointContributor")
		SluiceEndpointContributor sluicePipelinesEndpointContributor(Pipelines pipelines) {
			return new PipelineEndpointContributor(pipelines);
		}

	}

}
