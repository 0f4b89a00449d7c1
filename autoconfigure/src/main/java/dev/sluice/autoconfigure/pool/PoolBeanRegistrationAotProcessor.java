package dev.sluice.autoconfigure.pool;

import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.generate.GenerationContext;
import org.springframework.beans.factory.aot.BeanRegistrationAotContribution;
import org.springframework.beans.factory.aot.BeanRegistrationAotProcessor;
import org.springframework.beans.factory.aot.BeanRegistrationCode;
import org.springframework.beans.factory.aot.BeanRegistrationCodeFragments;
import org.springframework.beans.factory.aot.BeanRegistrationCodeFragmentsDecorator;
import org.springframework.beans.factory.support.RegisteredBean;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.javapoet.CodeBlock;

/**
 * Keeps the {@link PoolBeanRegistrar#POOL_ATTRIBUTE marker} of a pool bean definition in
 * the code Spring AOT generates for it (AOT drops bean definition attributes unless asked
 * to keep them), so that an AOT-processed application still tells Sluice's pool beans
 * from a bean the user defined under a pool's name. Registered in
 * {@code META-INF/spring/aot.factories}; used at build time only.
 */
class PoolBeanRegistrationAotProcessor implements BeanRegistrationAotProcessor {

	@Override
	public @Nullable BeanRegistrationAotContribution processAheadOfTime(RegisteredBean registeredBean) {
		if (registeredBean.getMergedBeanDefinition().getAttribute(PoolBeanRegistrar.POOL_ATTRIBUTE) == null) {
			return null;
		}
		return BeanRegistrationAotContribution.withCustomCodeFragments(KeepPoolAttribute::new);
	}

	private static final class KeepPoolAttribute extends BeanRegistrationCodeFragmentsDecorator {

		private KeepPoolAttribute(BeanRegistrationCodeFragments delegate) {
			super(delegate);
		}

		@Override
		public CodeBlock generateSetBeanDefinitionPropertiesCode(GenerationContext generationContext,
				BeanRegistrationCode beanRegistrationCode, RootBeanDefinition beanDefinition,
				Predicate<String> attributeFilter) {
			return super.generateSetBeanDefinitionPropertiesCode(generationContext, beanRegistrationCode,
					beanDefinition, attributeFilter.or(PoolBeanRegistrar.POOL_ATTRIBUTE::equals));
		}

	}

}
