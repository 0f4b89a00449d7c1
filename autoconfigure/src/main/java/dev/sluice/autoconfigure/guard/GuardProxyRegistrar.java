package dev.sluice.autoconfigure.guard;

import org.springframework.aop.config.AopConfigUtils;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Makes sure an auto-proxy creator exists, so that guard annotations take effect even
 * where Spring Boot's AOP auto-configuration is off, and proxies classes as Spring Boot
 * does by default.
 */
public class GuardProxyRegistrar implements ImportBeanDefinitionRegistrar {

	@Override
	public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
		AopConfigUtils.registerAutoProxyCreatorIfNecessary(registry);
		AopConfigUtils.forceAutoProxyCreatorToUseClassProxying(registry);
	}

}
