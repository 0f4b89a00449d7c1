package dev.sluice.autoconfigure.aot;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

import dev.sluice.autoconfigure.bulkhead.BulkheadAutoConfiguration;
import dev.sluice.autoconfigure.config.SluiceSettingsAutoConfiguration;
import dev.sluice.autoconfigure.config.UnknownSettingsException;
import dev.sluice.autoconfigure.eventbus.EventBusAutoConfiguration;
import dev.sluice.autoconfigure.lifecycle.LifecycleAutoConfiguration;
import dev.sluice.autoconfigure.pipeline.PipelineAutoConfiguration;
import dev.sluice.autoconfigure.pool.PoolAutoConfiguration;
import dev.sluice.autoconfigure.ratelimit.RateLimiterAutoConfiguration;
import dev.sluice.autoconfigure.redis.SluiceRedisAutoConfiguration;
import dev.sluice.bulkhead.BulkheadRegistry;
import dev.sluice.bulkhead.Bulkheaded;
import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.EventSubscriber;
import dev.sluice.pipeline.Pipelines;
import dev.sluice.pool.PoolConfig;
import dev.sluice.pool.WorkerPool;
import dev.sluice.pool.WorkerPoolRegistry;
import dev.sluice.ratelimit.RateLimitExceededException;
import dev.sluice.ratelimit.RateLimited;
import dev.sluice.ratelimit.RateLimiterRegistry;
import dev.sluice.redis.eventbus.RedisEventTransport;
import dev.sluice.redis.testing.TestRedis;
import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.Test;

import org.springframework.aot.AotDetector;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.aot.test.generate.TestGenerationContext;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.annotation.AnnotationConfigUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.aot.ApplicationContextAotGenerator;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.SpringProperties;
import org.springframework.core.test.tools.CompileWithForkedClassLoader;
import org.springframework.core.test.tools.TestCompiler;
import org.springframework.javapoet.ClassName;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Spring AOT on an application that configures every kind of component, the Redis profile
 * included: the context is processed ahead of time as {@code spring-boot:process-aot}
 * does, the generated code compiled, and a fresh context refreshed from it (as
 * {@code -Dspring.aot.enabled=true} does) and used.
 */
@CompileWithForkedClassLoader // the generated code calls package-private factory methods
class SluiceAotTests {

	static final Queue<Object> received = new ConcurrentLinkedQueue<>();

	private final String prefix = TestRedis.uniquePrefix();

	@Test
	void everyKindOfComponentWorksFromTheGeneratedCode() {
		TestGenerationContext generation = processAheadOfTime(this::configure);
		compileAndRun(generation, this::configure, (context) -> {
			WorkerPool orders = context.getBean("orders", WorkerPool.class);
			assertThat(orders.submit(() -> "priced").join()).isEqualTo("priced");
			assertThat(context.getBean(WorkerPoolRegistry.class).get("orders")).isSameAs(orders);
			// the user's bean named after a pool still wins: the marker survived AOT
			WorkerPool mail = context.getBean("mail", WorkerPool.class);
			assertThat(mail.config().workers()).isEqualTo(1);
			assertThat(context.getBean(WorkerPoolRegistry.class).get("mail")).isSameAs(mail);
			assertThat(context.getBean(BulkheadRegistry.class).get("legacy-db").permits()).isEqualTo(2);
			assertThat(context.getBean(RateLimiterRegistry.class).names()).contains("partner-api");
			Guarded guarded = context.getBean(Guarded.class);
			assertThat(guarded.quote()).isEqualTo("quote");
			assertThat(guarded.stock()).isEqualTo("stock");
			assertThatExceptionOfType(RateLimitExceededException.class).isThrownBy(guarded::quote);
			// per-key budgets (a SpEL key over the arguments) and a fallback, from the
			// generated code
			assertThat(guarded.quoteFor("alice")).isEqualTo("quote for alice");
			assertThat(guarded.quoteFor("bob")).isEqualTo("quote for bob");
			assertThat(guarded.quoteFor("alice")).isEqualTo("cached quote for alice");
			// an async call holds its permit until its future completes
			CompletableFuture<String> slow = new CompletableFuture<>();
			CompletableFuture<String> first = guarded.stockLater(slow);
			CompletableFuture<String> second = guarded.stockLater(CompletableFuture.completedFuture("second"));
			CompletableFuture<String> third = guarded.stockLater(CompletableFuture.completedFuture("third"));
			assertThat(second).isCompletedWithValue("second");
			assertThat(third).isCompletedWithValue("third");
			assertThat(context.getBean(BulkheadRegistry.class).get("legacy-db").stats().available()).isEqualTo(1);
			slow.complete("first");
			assertThat(first).isCompletedWithValue("first");
			assertThat(context.getBean(BulkheadRegistry.class).get("legacy-db").stats().available()).isEqualTo(2);
			assertThat(context.getBean(Pipelines.class)
				.from("doubling", List.of(1, 2, 3))
				.map("double", 2, (i) -> i * 2)
				.keepOrder()
				.toList()).containsExactly(2, 4, 6);
			assertThat(context.getBean(RedisEventTransport.class)).isNotNull();
			context.getBean(EventBus.class).publish("aot-orders", new OrderPlaced("o-1", 3));
			await().atMost(Duration.ofSeconds(10)).until(() -> received.contains(new OrderPlaced("o-1", 3)));
		});
	}

	@Test
	void theGeneratedCodeCarriesTheHintsSluiceNeeds() throws Exception {
		TestGenerationContext generation = processAheadOfTime(this::configure);
		var hints = generation.getRuntimeHints();
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Subscribers.class, "onOrder")).accepts(hints);
		// Jackson reads and writes the configured Redis event types
		assertThat(RuntimeHintsPredicates.reflection().onType(OrderPlaced.class)).accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(OrderPlaced.class, "sku")).accepts(hints);
		assertThat(RuntimeHintsPredicates.resource().forResource("META-INF/spring-configuration-metadata.json"))
			.accepts(hints);
		assertThat(hints.reflection().getTypeHint(Thread.class).methods())
			.anyMatch((method) -> method.getName().equals("ofVirtual"));
	}

	@Test
	void unknownSettingsStillStopAnAotProcessedApplication() {
		TestGenerationContext generation = processAheadOfTime(this::configure);
		Consumer<GenericApplicationContext> typo = (context) -> {
			configure(context);
			TestPropertyValues.of("sluice.pool.instances.orders.wrkers=3").applyTo(context);
		};
		SpringProperties.setProperty(AotDetector.AOT_ENABLED, "true");
		try {
			assertThatExceptionOfType(UnknownSettingsException.class)
				.isThrownBy(() -> compileAndRun(generation, typo, (context) -> {
				}))
				.withMessageContaining("sluice.pool.instances.orders.wrkers");
		}
		finally {
			SpringProperties.setProperty(AotDetector.AOT_ENABLED, null);
		}
	}

	private void configure(GenericApplicationContext context) {
		RedisURI redis = TestRedis.uri();
		TestPropertyValues.of("sluice.pool.instances.orders.workers=2", "sluice.pool.instances.lookups.workers=3",
				"sluice.pool.instances.mail.workers=4", "sluice.bulkhead.instances.legacy-db.permits=2",
				"sluice.rate-limiter.instances.partner-api.rate=1", "sluice.rate-limiter.instances.partner-api.per=1h",
				"sluice.rate-limiter.instances.partner-api.burst=1",
				"sluice.rate-limiter.instances.partner-api.scope=cluster",
				"sluice.event-bus.subscriber.instances.aot-audit.buffer=8", "sluice.event-bus.transport=redis",
				"sluice.redis.key-prefix=" + this.prefix,
				"sluice.redis.event-types.order-placed=" + OrderPlaced.class.getName(),
				"spring.data.redis.host=" + redis.getHost(), "spring.data.redis.port=" + redis.getPort())
			.applyTo(context);
	}

	private static TestGenerationContext processAheadOfTime(Consumer<GenericApplicationContext> configuration) {
		GenericApplicationContext context = new GenericApplicationContext();
		configuration.accept(context);
		AnnotationConfigUtils.registerAnnotationConfigProcessors(context);
		context.registerBean(Application.class);
		TestGenerationContext generation = new TestGenerationContext(ClassName.get("dev.sluice.aot", "TestApp"));
		ClassName initializer = new ApplicationContextAotGenerator().processAheadOfTime(context, generation);
		assertThat(initializer.canonicalName()).startsWith("dev.sluice.aot");
		generation.writeGeneratedContent();
		context.close();
		return generation;
	}

	@SuppressWarnings("unchecked")
	private static void compileAndRun(TestGenerationContext generation,
			Consumer<GenericApplicationContext> configuration, ContextUse use) {
		TestCompiler.forSystem().with(generation).compile((compiled) -> {
			GenericApplicationContext context = new GenericApplicationContext();
			configuration.accept(context);
			ApplicationContextInitializer<GenericApplicationContext> initializer = compiled.getInstance(
					ApplicationContextInitializer.class, "dev.sluice.aot.TestApp__ApplicationContextInitializer");
			initializer.initialize(context);
			try {
				context.refresh();
				use.accept(context);
			}
			catch (Exception ex) {
				throw (ex instanceof RuntimeException runtime) ? runtime : new IllegalStateException(ex);
			}
			finally {
				context.close();
			}
		});
	}

	interface ContextUse {

		void accept(GenericApplicationContext context) throws Exception;

	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ SluiceSettingsAutoConfiguration.class, LifecycleAutoConfiguration.class,
			PoolAutoConfiguration.class, BulkheadAutoConfiguration.class, RateLimiterAutoConfiguration.class,
			PipelineAutoConfiguration.class, EventBusAutoConfiguration.class, DataRedisAutoConfiguration.class,
			SluiceRedisAutoConfiguration.class })
	static class Application {

		@Bean
		WorkerPool mail() {
			return WorkerPool.create("mail", PoolConfig.defaults().withWorkers(1));
		}

		@Bean
		Subscribers subscribers() {
			return new Subscribers();
		}

		@Bean
		Guarded guarded() {
			return new Guarded();
		}

	}

	/** An event that crosses Redis as JSON. */
	public record OrderPlaced(String sku, int quantity) {
	}

	static class Subscribers {

		@EventSubscriber(topic = "aot-orders", name = "aot-audit")
		void onOrder(OrderPlaced event) {
			received.add(event);
		}

	}

	static class Guarded {

		@RateLimited("partner-api")
		public String quote() {
			return "quote";
		}

		@Bulkheaded("legacy-db")
		public String stock() {
			return "stock";
		}

		@RateLimited(value = "partner-api", key = "#customer", fallbackMethod = "cachedQuoteFor")
		public String quoteFor(String customer) {
			return "quote for " + customer;
		}

		public String cachedQuoteFor(String customer) {
			return "cached quote for " + customer;
		}

		@Bulkheaded("legacy-db")
		public CompletableFuture<String> stockLater(CompletableFuture<String> result) {
			return result;
		}

	}

}
