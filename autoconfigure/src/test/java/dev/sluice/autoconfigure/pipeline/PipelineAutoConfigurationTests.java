package dev.sluice.autoconfigure.pipeline;

import java.util.List;
import java.util.Map;

import dev.sluice.autoconfigure.actuate.SluiceEndpoint;
import dev.sluice.autoconfigure.actuate.SluiceEndpointAutoConfiguration;
import dev.sluice.pipeline.PipelineMetrics;
import dev.sluice.pipeline.Pipelines;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

class PipelineAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(PipelineAutoConfiguration.class));

	@Test
	void stagesOfNamedPipelinesAreMeteredAndShownInTheEndpoint() {
		this.contextRunner
			.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
					SimpleMetricsExportAutoConfiguration.class, SluiceEndpointAutoConfiguration.class))
			.withPropertyValues("management.endpoints.web.exposure.include=sluice")
			.run((context) -> {
				assertThat(context).hasSingleBean(PipelineMetrics.class);
				Pipelines pipelines = context.getBean(Pipelines.class);
				pipelines.from("numbers", List.of(1, 2, 3, 4))
					.map("double", 2, (i) -> i * 2)
					.filter("big", 1, (i) -> i > 4)
					.toList();
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				assertThat(meters.get("sluice.pipeline.items.in")
					.tags("pipeline", "numbers", "stage", "double")
					.functionCounter()
					.count()).isEqualTo(4);
				assertThat(meters.get("sluice.pipeline.items.out")
					.tags("pipeline", "numbers", "stage", "big")
					.functionCounter()
					.count()).isEqualTo(2);
				Map<String, Object> components = context.getBean(SluiceEndpoint.class).components();
				assertThat(components).containsKey("pipelines");
				assertThat(components.get("pipelines").toString()).contains("numbers", "double", "big", "itemsIn=4");
			});
	}

	@Test
	void userDefinedPipelinesBacksOff() {
		this.contextRunner.withUserConfiguration(UserPipelines.class)
			.run((context) -> assertThat(context.getBean(Pipelines.class)).isSameAs(context.getBean("mine")));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserPipelines {

		@Bean
		Pipelines mine() {
			return new Pipelines();
		}

	}

}
