package dev.sluice.eventbus;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Subscribes a bean method to a topic of the application's {@link EventBus} at start-up.
 * The method takes one parameter, the event type; events of other types are not delivered
 * to it. Settings left empty here come from configuration
 * ({@code sluice.event-bus.subscriber.topics.<topic>.*}, then
 * {@code sluice.event-bus.subscriber.defaults.*}); configuration under
 * {@code sluice.event-bus.subscriber.instances.<name>.*} overrides what is written here.
 * Takes effect on Spring beans through Sluice's auto-configuration.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface EventSubscriber {

	/** The topic. */
	String topic();

	/** The subscriber's name on its topic; defaults to {@code beanName.methodName}. */
	String name() default "";

	/** The buffer size; 0 means "from configuration". */
	int buffer() default 0;

	/**
	 * The overflow policy, as written in configuration ({@code drop-newest},
	 * {@code drop-oldest}, {@code block}, {@code fail}); empty means "from
	 * configuration".
	 */
	String overflow() default "";

	/**
	 * The group of competing consumers the subscriber belongs to; empty means none (it
	 * receives every event). Matters with a transport between instances: each event goes
	 * to one member of the group.
	 */
	String group() default "";

}
