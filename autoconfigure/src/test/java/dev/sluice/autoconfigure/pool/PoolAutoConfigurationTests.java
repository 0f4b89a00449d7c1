package dev.sluice.autoconfigure.pool;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.sluice.autoconfigure.actuate.ComponentView;
import dev.sluice.autoconfigure.actuate.SluiceEndpoint;
import dev.sluice.autoconfigure.actuate.SluiceEndpointAutoConfiguration;
import dev.sluice.autoconfigure.lifecycle.LifecycleAutoConfiguration;
import dev.sluice.autoconfigure.lifecycle.SluiceShutdownLifecycle;
import dev.sluice.pool.PoolConfig.Threads;
import dev.sluice.pool.PoolConfig;
import dev.sluice.pool.PoolStats;
import dev.sluice.pool.QueueOverflow;
import dev.sluice.pool.TaskRejectedException;
import dev.sluice.pool.WorkerPool;
import dev.sluice.pool.WorkerPoolMetrics;
import dev.sluice.pool.WorkerPoolRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PoolAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LifecycleAutoConfiguration.class, PoolAutoConfiguration.class,
				TaskExecutionAutoConfiguration.class));

	@Test
	void registryIsEmptyWhenNoPoolIsConfigured() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(WorkerPoolRegistry.class);
			assertThat(context.getBean(WorkerPoolRegistry.class).names()).isEmpty();
		});
	}

	@Test
	void poolIsCreatedFromItsProperties() {
		this.contextRunner.withPropertyValues("sluice.pool.instances.orders.workers=3",
				"sluice.pool.instances.orders.queue-capacity=5", "sluice.pool.instances.orders.overflow=caller-runs",
				"sluice.pool.instances.orders.submit-timeout=2s", "sluice.pool.instances.orders.threads=virtual")
			.run((context) -> {
				WorkerPool orders = context.getBean(WorkerPoolRegistry.class).get("orders");
				assertThat(orders.config())
					.isEqualTo(new PoolConfig(3, 5, QueueOverflow.CALLER_RUNS, Duration.ofSeconds(2), Threads.VIRTUAL));
				assertThat(context.getBean("orders")).isSameAs(orders);
			});
	}

	@Test
	void poolDefaultsApplyToEveryPoolUnlessThePoolOverridesThem() {
		this.contextRunner
			.withPropertyValues("sluice.pool.defaults.workers=2", "sluice.pool.defaults.overflow=reject",
					"sluice.pool.instances.a.queue-capacity=7", "sluice.pool.instances.b.workers=5")
			.run((context) -> {
				WorkerPoolRegistry registry = context.getBean(WorkerPoolRegistry.class);
				assertThat(registry.names()).containsExactly("a", "b");
				assertThat(registry.get("a").config()).isEqualTo(
						PoolConfig.defaults().withWorkers(2).withOverflow(QueueOverflow.REJECT).withQueueCapacity(7));
				assertThat(registry.get("b").config())
					.isEqualTo(PoolConfig.defaults().withWorkers(5).withOverflow(QueueOverflow.REJECT));
			});
	}

	@Test
	void poolTakesTheBuiltInDefaultsForWhatItDoesNotSet() {
		this.contextRunner.withPropertyValues("sluice.pool.instances.plain.threads=platform").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(WorkerPoolRegistry.class).get("plain").config())
				.isEqualTo(PoolConfig.defaults());
		});
	}

	@Test
	void poolIsInjectableByQualifierWithoutMakingExecutorInjectionAmbiguous() {
		this.contextRunner
			.withPropertyValues("sluice.pool.instances.orders.workers=1", "sluice.pool.instances.mail.workers=1")
			.withUserConfiguration(QualifiedInjectionConfiguration.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				QualifiedInjectionConfiguration.Consumer consumer = context
					.getBean(QualifiedInjectionConfiguration.Consumer.class);
				assertThat(consumer.orders()).isSameAs(context.getBean(WorkerPoolRegistry.class).get("orders"));
				assertThat(consumer.executor()).isSameAs(context.getBean("myExecutor"));
			});
	}

	@Test
	void asyncMethodNamingAPoolRunsOnIt() {
		this.contextRunner.withPropertyValues("sluice.pool.instances.mail.workers=1")
			.withUserConfiguration(AsyncConfiguration.class)
			.run((context) -> {
				String thread = context.getBean(AsyncConfiguration.Mailer.class).send().get(10, TimeUnit.SECONDS);
				assertThat(thread).startsWith("sluice-mail-");
			});
	}

	@Test
	void userDefinedRegistryBacksOff() {
		this.contextRunner.withUserConfiguration(UserRegistryConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(WorkerPoolRegistry.class);
			assertThat(context.getBean(WorkerPoolRegistry.class).names()).containsExactly("mine");
		});
	}

	@Test
	void userDefinedPoolBeanWithAPoolsNameBacksOff() {
		this.contextRunner.withPropertyValues("sluice.pool.instances.orders.workers=4")
			.withUserConfiguration(UserPoolConfiguration.class)
			.run((context) -> {
				WorkerPool orders = context.getBean("orders", WorkerPool.class);
				assertThat(orders.config().workers()).isEqualTo(1);
				assertThat(context.getBean(WorkerPoolRegistry.class).get("orders")).isSameAs(orders);
			});
	}

	@Test
	void metricsAreBoundUnderTheStandardExecutorNames() {
		this.contextRunner.withPropertyValues("sluice.pool.instances.orders.workers=2")
			.withConfiguration(
					AutoConfigurations.of(MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).hasSingleBean(WorkerPoolMetrics.class);
				WorkerPool orders = context.getBean(WorkerPoolRegistry.class).get("orders");
				orders.submit(() -> "done").get(10, TimeUnit.SECONDS);
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				org.awaitility.Awaitility.await()
					.until(() -> meters.get("executor.completed").tag("name", "orders").functionCounter().count() == 1);
				assertThat(meters.get("executor.pool.max").tag("name", "orders").gauge().value()).isEqualTo(2);
				assertThat(meters.get("executor.queue.remaining").tag("name", "orders").gauge().value())
					.isEqualTo(1000);
				assertThat(meters.get("executor").tag("name", "orders").functionTimer().count()).isEqualTo(1);
				assertThat(meters.get("sluice.pool.rejected").tag("name", "orders").functionCounter().count()).isZero();
			});
	}

	@Test
	void userDefinedMetricsBacksOff() {
		this.contextRunner.withUserConfiguration(UserMetricsConfiguration.class)
			.run((context) -> assertThat(context).getBean(WorkerPoolMetrics.class)
				.isSameAs(context.getBean("customMetrics")));
	}

	@Test
	void endpointShowsEachPoolWithItsConfigurationAndState() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(SluiceEndpointAutoConfiguration.class))
			.withPropertyValues("management.endpoints.web.exposure.include=sluice",
					"sluice.pool.instances.orders.workers=2")
			.run((context) -> {
				SluiceEndpoint endpoint = context.getBean(SluiceEndpoint.class);
				Map<String, Object> components = endpoint.components();
				assertThat(components).containsOnlyKeys("pools");
				ComponentView orders = (ComponentView) ((Map<?, ?>) components.get("pools")).get("orders");
				assertThat(orders.config()).isEqualTo(PoolConfig.defaults().withWorkers(2));
				assertThat(orders.state()).isInstanceOfSatisfying(PoolStats.class,
						(stats) -> assertThat(stats.state()).isEqualTo(PoolStats.State.RUNNING));
				assertThat(endpoint.componentsOfKind("pools")).isEqualTo(components.get("pools"));
				assertThat(endpoint.componentsOfKind("unknown")).isNull();
			});
	}

	@Test
	void endpointIsAbsentUnlessExposed() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(SluiceEndpointAutoConfiguration.class))
			.run((context) -> assertThat(context).doesNotHaveBean(SluiceEndpoint.class));
	}

	@Test
	void closingTheContextDrainsAcceptedTasks() {
		AtomicBoolean finished = new AtomicBoolean();
		this.contextRunner.withPropertyValues("sluice.pool.instances.orders.workers=1").run((context) -> {
			WorkerPool orders = context.getBean(WorkerPoolRegistry.class).get("orders");
			orders.submit(() -> {
				Thread.sleep(200);
				finished.set(true);
				return null;
			});
			context.close();
			assertThat(finished).isTrue();
			assertThat(orders.stats().abandoned()).isZero();
			assertThatThrownBy(() -> orders.submit(() -> null)).isInstanceOfSatisfying(TaskRejectedException.class,
					(ex) -> assertThat(ex.reason()).isEqualTo(TaskRejectedException.Reason.SHUT_DOWN));
		});
	}

	@Test
	void closingTheContextAbandonsWhatOutlivesTheTimeoutAndReportsIt() {
		this.contextRunner.withPropertyValues("sluice.pool.instances.orders.workers=1", "sluice.shutdown.timeout=100ms")
			.run((context) -> {
				WorkerPool orders = context.getBean(WorkerPoolRegistry.class).get("orders");
				CountDownLatch started = new CountDownLatch(1);
				AtomicBoolean interrupted = new AtomicBoolean();
				orders.submit(() -> {
					started.countDown();
					try {
						Thread.sleep(60_000);
					}
					catch (InterruptedException ex) {
						interrupted.set(true);
					}
					return null;
				});
				CompletableFuture<Object> queued = orders.submit(() -> null);
				assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
				SluiceShutdownLifecycle lifecycle = context.getBean(SluiceShutdownLifecycle.class);
				context.close();
				assertThat(lifecycle.lastReport().abandoned()).isEqualTo(2);
				assertThat(orders.stats().abandoned()).isEqualTo(2);
				assertThat(queued).isCancelled();
				org.awaitility.Awaitility.await().untilTrue(interrupted);
			});
	}

	@Test
	void stoppingAndRestartingTheContextLeavesPoolsWorking() {
		this.contextRunner.withPropertyValues("sluice.pool.instances.orders.workers=1").run((context) -> {
			WorkerPool orders = context.getBean(WorkerPoolRegistry.class).get("orders");
			context.stop();
			context.start();
			assertThat(orders.submit(() -> "still working")).succeedsWithin(Duration.ofSeconds(5))
				.isEqualTo("still working");
			context.close();
			assertThat(orders.isShutdown()).isTrue();
		});
	}

	@Test
	void closingAStoppedContextStillShutsPoolsDown() {
		this.contextRunner.withPropertyValues("sluice.pool.instances.orders.workers=1").run((context) -> {
			WorkerPool orders = context.getBean(WorkerPoolRegistry.class).get("orders");
			context.stop();
			context.close();
			assertThat(orders.isTerminated()).isTrue();
			assertThat(orders.stats().abandoned()).isZero();
		});
	}

	@Test
	void lifecycleStopsAfterTheWebServersGracefulShutdown() {
		this.contextRunner.run((context) -> assertThat(context.getBean(SluiceShutdownLifecycle.class).getPhase())
			.isLessThan(org.springframework.context.SmartLifecycle.DEFAULT_PHASE - 1024)
			.isGreaterThan(org.springframework.context.SmartLifecycle.DEFAULT_PHASE - 2048));
	}

	@Configuration(proxyBeanMethods = false)
	static class QualifiedInjectionConfiguration {

		@Bean
		Executor myExecutor() {
			return Runnable::run;
		}

		@Bean
		Consumer consumer(@Qualifier("orders") WorkerPool orders, Executor executor) {
			return new Consumer(orders, executor);
		}

		record Consumer(WorkerPool orders, Executor executor) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class AsyncConfiguration {

		@Bean
		Mailer mailer() {
			return new Mailer();
		}

		static class Mailer {

			@Async("mail")
			public CompletableFuture<String> send() {
				return CompletableFuture.completedFuture(Thread.currentThread().getName());
			}

		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserRegistryConfiguration {

		@Bean
		WorkerPoolRegistry myRegistry() {
			return new WorkerPoolRegistry(java.util.List.of(WorkerPool.create("mine", PoolConfig.defaults())));
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserPoolConfiguration {

		@Bean
		WorkerPool orders() {
			return WorkerPool.create("orders", PoolConfig.defaults().withWorkers(1));
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserMetricsConfiguration {

		@Bean
		WorkerPoolMetrics customMetrics() {
			return new WorkerPoolMetrics(java.util.List.of(), io.micrometer.core.instrument.Tags.empty());
		}

	}

}
