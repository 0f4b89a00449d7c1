package dev.sluice.autoconfigure.context;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import dev.sluice.autoconfigure.eventbus.EventBusAutoConfiguration;
import dev.sluice.autoconfigure.lifecycle.LifecycleAutoConfiguration;
import dev.sluice.autoconfigure.pool.PoolAutoConfiguration;
import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.EventSubscriber;
import dev.sluice.pipeline.Pipeline;
import dev.sluice.pool.TaskGroup;
import dev.sluice.pool.WorkerPool;
import dev.sluice.pool.WorkerPoolRegistry;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.integration.Slf4jThreadLocalAccessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.task.TaskDecorator;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An application's {@link TaskDecorator} beans and its MDC (two entries, through
 * Micrometer Context Propagation) reach the work it hands to Sluice: {@code @Async} on a
 * pool, {@code submit}, {@code map} helpers, task group forks, pipeline stages and
 * {@code @EventSubscriber} methods.
 */
class ContextAutoConfigurationTests {

	static {
		ContextRegistry.getInstance().registerThreadLocalAccessor(new Slf4jThreadLocalAccessor("requestId", "user"));
	}

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LifecycleAutoConfiguration.class, PoolAutoConfiguration.class,
				TaskExecutionAutoConfiguration.class, EventBusAutoConfiguration.class))
		.withPropertyValues("sluice.pool.instances.mail.workers=6");

	@AfterEach
	void clear() {
		MDC.clear();
	}

	private static String seen() {
		return MDC.get("requestId") + "/" + MDC.get("user") + " " + Decorators.MARK.get();
	}

	@Test
	void theDecoratorAndTheMdcReachEveryHandOff() {
		this.contextRunner.withUserConfiguration(Decorators.class, Mailer.class).run((context) -> {
			WorkerPool mail = context.getBean(WorkerPoolRegistry.class).get("mail");
			Mailer mailer = context.getBean(Mailer.class);
			EventBus bus = context.getBean(EventBus.class);
			MDC.put("requestId", "r-42");
			MDC.put("user", "ann");
			String expected = "r-42/ann [outer, inner]";
			assertThat(mailer.send().get(10, TimeUnit.SECONDS)).isEqualTo(expected);
			assertThat(mail.submit(ContextAutoConfigurationTests::seen).get(10, TimeUnit.SECONDS)).isEqualTo(expected);
			Set<String> inMap = ConcurrentHashMap.newKeySet();
			Set<String> threads = ConcurrentHashMap.newKeySet();
			String caller = Thread.currentThread().getName();
			mail.map(IntStream.range(0, 200).boxed().toList(), (i) -> {
				if (!Thread.currentThread().getName().equals(caller)) {
					threads.add(Thread.currentThread().getName());
					inMap.add(seen());
				}
				return i;
			});
			try (TaskGroup group = TaskGroup.on(mail)) {
				CompletableFuture<String> fork = group.fork(ContextAutoConfigurationTests::seen);
				group.join();
				assertThat(fork.join()).isEqualTo(expected);
			}
			Set<String> inStages = ConcurrentHashMap.newKeySet();
			Pipeline.from(List.of(1, 2, 3)).on(mail).map("stage", 2, (i) -> {
				inStages.add(seen());
				return i;
			}).toList();
			assertThat(inStages).containsExactly(expected);
			bus.publish("mails", "hello");
			await().atMost(Duration.ofSeconds(10)).until(() -> !mailer.received().isEmpty());
			// no decorator on the bus: only the context travels
			assertThat(mailer.received()).containsExactly("hello r-42/ann null");
			if (!threads.isEmpty()) {
				assertThat(inMap).containsExactly(expected);
			}
			// the workers keep nothing
			MDC.clear();
			assertThat(mail.submit(ContextAutoConfigurationTests::seen).get(10, TimeUnit.SECONDS))
				.isEqualTo("null/null [outer, inner]");
		});
	}

	@Test
	void aPoolCanNameItsOwnDecoratorAndTurnPropagationOff() {
		this.contextRunner.withUserConfiguration(Decorators.class)
			.withPropertyValues("sluice.pool.instances.mail.task-decorator=inner",
					"sluice.pool.instances.mail.propagate-context=false", "sluice.event-bus.propagate-context=false")
			.run((context) -> {
				WorkerPool mail = context.getBean(WorkerPoolRegistry.class).get("mail");
				assertThat(mail.config().propagateContext()).isFalse();
				assertThat(context.getBean(EventBus.class).propagatesContext()).isFalse();
				MDC.put("requestId", "r-7");
				assertThat(mail.submit(ContextAutoConfigurationTests::seen).get(10, TimeUnit.SECONDS))
					.isEqualTo("null/null [inner]");
			});
	}

	@Test
	void theDefaultsCanNameADecoratorForEveryPool() {
		this.contextRunner.withUserConfiguration(Decorators.class)
			.withPropertyValues("sluice.pool.defaults.task-decorator=outer")
			.run((context) -> {
				WorkerPool mail = context.getBean(WorkerPoolRegistry.class).get("mail");
				assertThat(mail.submit(() -> Decorators.MARK.get()).get(10, TimeUnit.SECONDS))
					.isEqualTo(List.of("outer"));
			});
	}

	@Test
	void withoutTaskDecoratorBeansTasksRunUndecorated() {
		this.contextRunner.run((context) -> {
			WorkerPool mail = context.getBean(WorkerPoolRegistry.class).get("mail");
			assertThat(mail.submit(() -> Decorators.MARK.get()).get(10, TimeUnit.SECONDS)).isNull();
		});
	}

	@Test
	void anUnknownDecoratorStopsStartUpNamingTheProperty() {
		this.contextRunner.withUserConfiguration(Decorators.class)
			.withPropertyValues("sluice.pool.instances.mail.task-decorator=nope")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("sluice.pool.instances.mail.task-decorator")
				.hasMessageContaining("no TaskDecorator bean named 'nope'"));
		this.contextRunner.withUserConfiguration(Decorators.class)
			.withPropertyValues("sluice.pool.defaults.task-decorator=mailer")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("sluice.pool.defaults.task-decorator"));
	}

	/**
	 * Two decorators, ordered: as in Spring's composite, the first wraps the task
	 * innermost, so the last one's mark comes first.
	 */
	@Configuration(proxyBeanMethods = false)
	static class Decorators {

		static final ThreadLocal<List<String>> MARK = new ThreadLocal<>();

		@Bean
		@Order(1)
		TaskDecorator inner() {
			return mark("inner");
		}

		@Bean
		@Order(2)
		TaskDecorator outer() {
			return mark("outer");
		}

		private static TaskDecorator mark(String name) {
			return (task) -> () -> {
				List<String> before = MARK.get();
				List<String> marks = new java.util.ArrayList<>((before != null) ? before : List.of());
				marks.add(name);
				MARK.set(marks);
				try {
					task.run();
				}
				finally {
					MARK.set(before);
				}
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class Mailer {

		private final Queue<String> received = new ConcurrentLinkedQueue<>();

		/** What the subscriber saw; a method, since the bean is a proxy for @Async. */
		public Queue<String> received() {
			return this.received;
		}

		@Async("mail")
		public CompletableFuture<String> send() {
			return CompletableFuture.completedFuture(seen());
		}

		@EventSubscriber(topic = "mails")
		public void onMail(String mail) {
			this.received.add(mail + " " + MDC.get("requestId") + "/" + MDC.get("user") + " " + Decorators.MARK.get());
		}

	}

}
