package dev.sluice.autoconfigure.eventbus;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.sluice.autoconfigure.actuate.SluiceEndpoint;
import dev.sluice.autoconfigure.actuate.SluiceEndpointAutoConfiguration;
import dev.sluice.autoconfigure.lifecycle.LifecycleAutoConfiguration;
import dev.sluice.eventbus.BufferOverflow;
import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.EventBusMetrics;
import dev.sluice.eventbus.EventSubscriber;
import dev.sluice.eventbus.SubscriberStats;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class EventBusAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LifecycleAutoConfiguration.class, EventBusAutoConfiguration.class));

	@Test
	void busIsCreatedWithTheConfiguredDispatchers() {
		this.contextRunner.withPropertyValues("sluice.event-bus.dispatchers=3")
			.run((context) -> assertThat(context.getBean(EventBus.class).dispatchers()).isEqualTo(3));
	}

	@Test
	void annotatedMethodsAreSubscribedWithSettingsFromEachLevel() {
		this.contextRunner.withUserConfiguration(Listeners.class)
			.withPropertyValues("sluice.event-bus.subscriber.defaults.buffer=64",
					"sluice.event-bus.subscriber.defaults.publish-timeout=3s",
					"sluice.event-bus.subscriber.topics.orders.overflow=drop-oldest",
					"sluice.event-bus.subscriber.instances.audit.buffer=7")
			.run((context) -> {
				EventBus bus = context.getBean(EventBus.class);
				bus.publish("orders", "order-1");
				Listeners listeners = context.getBean(Listeners.class);
				await().until(() -> listeners.audited.size() == 1 && listeners.mailed.size() == 1);
				SubscriberStats audit = stats(bus, "audit");
				assertThat(audit.buffer()).isEqualTo(7);
				assertThat(audit.overflow()).isEqualTo(BufferOverflow.BLOCK);
				// without a name, a subscriber is named beanName.methodName
				SubscriberStats mailer = bus.stats()
					.stream()
					.filter((stats) -> stats.name().endsWith("Listeners.mail"))
					.findFirst()
					.orElseThrow();
				assertThat(mailer.buffer()).isEqualTo(64);
				assertThat(mailer.overflow()).isEqualTo(BufferOverflow.DROP_OLDEST);
			});
	}

	private static SubscriberStats stats(EventBus bus, String name) {
		return bus.stats().stream().filter((stats) -> stats.name().equals(name)).findFirst().orElseThrow();
	}

	@Test
	void aSubscriberMethodWithTheWrongShapeStopsStartUp() {
		this.contextRunner.withUserConfiguration(BadListener.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("must take exactly one parameter");
		});
	}

	@Test
	void invalidSettingsStopStartUpNamingTheProperty() {
		this.contextRunner.withPropertyValues("sluice.event-bus.subscriber.defaults.buffer=0").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("sluice.event-bus.subscriber.defaults.buffer");
		});
		this.contextRunner.withPropertyValues("sluice.event-bus.subscriber.topics.orders.publish-timeout=-1s")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.hasMessageContaining("sluice.event-bus.subscriber.topics.orders.publish-timeout");
			});
		this.contextRunner.withPropertyValues("sluice.event-bus.dispatchers=0").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("sluice.event-bus.dispatchers");
		});
		this.contextRunner.withPropertyValues("sluice.event-bus.subscriber.instances.x.overflow=sometimes")
			.run((context) -> assertThat(context).hasFailed());
		this.contextRunner.withPropertyValues("sluice.event-bus.subscriber.topics.orders.group=billing")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.hasMessageContaining("sluice.event-bus.subscriber.topics.orders.group")
					.hasMessageContaining("per subscriber");
			});
		this.contextRunner.withPropertyValues("sluice.event-bus.subscriber.defaults.group=billing").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("sluice.event-bus.subscriber.defaults.group");
		});
	}

	@Test
	void aSubscribersGroupComesFromItsConfigurationThenItsAnnotation() {
		this.contextRunner.withPropertyValues("sluice.event-bus.subscriber.instances.audit.group=auditors")
			.run((context) -> {
				SubscriberSettings settings = new SubscriberSettings(Binder.get(context.getEnvironment()));
				assertThat(settings.options("orders", "audit", null, null, "annotated").group()).isEqualTo("auditors");
				assertThat(settings.options("orders", "mailer", null, null, "annotated").group())
					.isEqualTo("annotated");
				assertThat(settings.options("orders", "mailer", null, null, null).group()).isNull();
			});
	}

	@Test
	void subscribersAreMeteredAndShownInTheEndpoint() {
		this.contextRunner.withUserConfiguration(Listeners.class)
			.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
					SimpleMetricsExportAutoConfiguration.class, SluiceEndpointAutoConfiguration.class))
			.withPropertyValues("management.endpoints.web.exposure.include=sluice")
			.run((context) -> {
				assertThat(context).hasSingleBean(EventBusMetrics.class);
				EventBus bus = context.getBean(EventBus.class);
				bus.publish("orders", "order-1");
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				await().until(() -> meters.get("sluice.eventbus.delivered")
					.tags("topic", "orders", "subscriber", "audit")
					.functionCounter()
					.count() == 1);
				assertThat(meters.get("sluice.eventbus.published").tag("topic", "orders").functionCounter().count())
					.isEqualTo(1);
				assertThat(context.getBean(SluiceEndpoint.class).components().get("event-bus").toString())
					.contains("orders", "audit", "delivered=1");
			});
	}

	@Test
	void closingTheContextDrainsTheBus() {
		this.contextRunner.withUserConfiguration(Listeners.class).run((context) -> {
			EventBus bus = context.getBean(EventBus.class);
			Listeners listeners = context.getBean(Listeners.class);
			for (int i = 0; i < 20; i++) {
				bus.publish("orders", "order-" + i);
			}
			context.close();
			assertThat(listeners.audited).hasSize(20);
		});
	}

	@Test
	void userDefinedBusBacksOff() {
		this.contextRunner.withUserConfiguration(UserBus.class)
			.run((context) -> assertThat(context.getBean(EventBus.class)).isSameAs(context.getBean("myBus")));
	}

	@Configuration(proxyBeanMethods = false)
	static class Listeners {

		final List<String> audited = new CopyOnWriteArrayList<>();

		final List<String> mailed = new CopyOnWriteArrayList<>();

		@EventSubscriber(topic = "orders", name = "audit", buffer = 32, overflow = "block")
		void audit(String order) throws InterruptedException {
			Thread.sleep(5); // slow enough that only a real drain at shutdown delivers
								// them all
			this.audited.add(order);
		}

		@EventSubscriber(topic = "orders")
		void mail(String order) {
			this.mailed.add(order);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class BadListener {

		@EventSubscriber(topic = "orders")
		void wrong(String order, int extra) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserBus {

		@Bean
		EventBus myBus() {
			return EventBus.create("mine", 1);
		}

	}

}
