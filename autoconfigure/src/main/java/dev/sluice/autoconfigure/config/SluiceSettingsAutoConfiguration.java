package dev.sluice.autoconfigure.config;

import org.springframework.aot.AotDetector;
import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigureOrder;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.Ordered;
import org.springframework.core.PriorityOrdered;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Stops start-up on a {@code sluice.*} key that is not a Sluice setting, before any
 * component is configured: it runs first, while bean definitions are being read. An
 * AOT-processed application reads no bean definitions at start-up, so there the check
 * runs as the first bean factory post-processor instead ({@link AotCheck}).
 */
@AutoConfiguration
@AutoConfigureOrder(Ordered.HIGHEST_PRECEDENCE)
@Import(SluiceSettingsAutoConfiguration.Check.class)
public final class SluiceSettingsAutoConfiguration {

	static class Check implements ImportBeanDefinitionRegistrar, EnvironmentAware, BeanClassLoaderAware {

		@SuppressWarnings("NullAway.Init") // set by Spring before registerBeanDefinitions
		private Environment environment;

		@SuppressWarnings("NullAway.Init")
		private ClassLoader classLoader;

		@Override
		public void setEnvironment(Environment environment) {
			this.environment = environment;
		}

		@Override
		public void setBeanClassLoader(ClassLoader classLoader) {
			this.classLoader = classLoader;
		}

		@Override
		public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
			SluiceSettings.load(this.classLoader).check(this.environment);
			RootBeanDefinition aotCheck = new RootBeanDefinition(AotCheck.class);
			aotCheck.setRole(BeanDefinition.ROLE_INFRASTRUCTURE);
			registry.registerBeanDefinition(AotCheck.class.getName(), aotCheck);
		}

	}

	/**
	 * The same check in an AOT-processed application, where {@link Check} ran at build
	 * time only; it does nothing otherwise.
	 */
	static class AotCheck implements BeanFactoryPostProcessor, EnvironmentAware, BeanClassLoaderAware, PriorityOrdered {

		@SuppressWarnings("NullAway.Init") // set by Spring before postProcessBeanFactory
		private Environment environment;

		@SuppressWarnings("NullAway.Init")
		private ClassLoader classLoader;

		@Override
		public void setEnvironment(Environment environment) {
			this.environment = environment;
		}

		@Override
		public void setBeanClassLoader(ClassLoader classLoader) {
			this.classLoader = classLoader;
		}

		@Override
		public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
			if (AotDetector.useGeneratedArtifacts()) {
				SluiceSettings.load(this.classLoader).check(this.environment);
			}
		}

		@Override
		public int getOrder() {
			return Ordered.HIGHEST_PRECEDENCE;
		}

	}

}
