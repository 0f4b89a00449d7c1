package dev.sluice.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import dev.sluice.autoconfigure.bulkhead.BulkheadAutoConfiguration;
import dev.sluice.autoconfigure.eventbus.EventBusAutoConfiguration;
import dev.sluice.autoconfigure.lifecycle.LifecycleAutoConfiguration;
import dev.sluice.autoconfigure.lifecycle.SluiceShutdownLifecycle;
import dev.sluice.autoconfigure.pool.PoolAutoConfiguration;
import dev.sluice.autoconfigure.ratelimit.RateLimiterAutoConfiguration;
import dev.sluice.autoconfigure.redis.SluiceRedisAutoConfiguration;
import dev.sluice.autoconfigure.redis.TestOrder;
import dev.sluice.bulkhead.Bulkhead;
import dev.sluice.bulkhead.BulkheadException;
import dev.sluice.bulkhead.BulkheadRegistry;
import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.EventSubscriber;
import dev.sluice.eventbus.SubscriberOptions;
import dev.sluice.pool.WorkerPool;
import dev.sluice.pool.WorkerPoolRegistry;
import dev.sluice.ratelimit.RateLimiterRegistry;
import dev.sluice.redis.eventbus.RedisEventTransport;
import dev.sluice.redis.testing.TestRedis;
import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ContextConsumer;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.NestedExceptionUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The extremes matrix of the {@code sluice.*} configuration: every duration property at
 * 0, 1ns, huge ({@code 9223372036854775807ns} and {@code 9223372036854775807s}, which is
 * {@code Duration.ofSeconds(Long.MAX_VALUE)}) and negative; every count at 0, 1,
 * {@code 2147483647} and negative. Each case either starts the application with a
 * component that works, or stops start-up with a failure analysis (what Spring Boot
 * prints) that names the property and what it allows; never an unexplained
 * {@link ArithmeticException} or {@link Error}, and never a hang.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ExtremeConfigurationTests {

	/** What an analysis must say about the allowed values. */
	private static final String ALLOWED = "at least|at most|or more|zero or|between|positive|from .+ to";

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LifecycleAutoConfiguration.class, PoolAutoConfiguration.class,
				BulkheadAutoConfiguration.class, RateLimiterAutoConfiguration.class, EventBusAutoConfiguration.class));

	// sluice.pool.instances.* and sluice.pool.defaults.*

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource({ "sluice.pool.instances.orders.workers, 0, between 1 and 32767",
			"sluice.pool.instances.orders.workers, -1, between 1 and 32767",
			"sluice.pool.instances.orders.workers, -2147483648, between 1 and 32767",
			"sluice.pool.instances.orders.workers, 32768, between 1 and 32767",
			"sluice.pool.defaults.workers, 0, between 1 and 32767",
			"sluice.pool.instances.orders.queue-capacity, -1, 0 or more",
			"sluice.pool.instances.orders.queue-capacity, -2147483648, 0 or more",
			"sluice.pool.defaults.queue-capacity, -1, 0 or more",
			"sluice.pool.instances.orders.submit-timeout, -1ns, zero or more",
			"sluice.pool.instances.orders.submit-timeout, -1s, zero or more",
			"sluice.pool.defaults.submit-timeout, -1s, zero or more" })
	void poolSettingBelowItsRangeFailsStartUpNamingTheProperty(String property, String value, String allowed) {
		failsNamingTheProperty(poolRunner(), property, value, allowed);
	}

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource({ "sluice.pool.instances.orders.workers, 1", "sluice.pool.instances.orders.workers, 2147483647",
			"sluice.pool.defaults.workers, 2147483647", "sluice.pool.instances.orders.queue-capacity, 0",
			"sluice.pool.instances.orders.queue-capacity, 1", "sluice.pool.instances.orders.queue-capacity, 2147483647",
			"sluice.pool.defaults.queue-capacity, 2147483647", "sluice.pool.instances.orders.submit-timeout, 0",
			"sluice.pool.instances.orders.submit-timeout, 1ns",
			"sluice.pool.instances.orders.submit-timeout, 9223372036854775807ns",
			"sluice.pool.instances.orders.submit-timeout, 9223372036854775807s",
			"sluice.pool.defaults.submit-timeout, 9223372036854775807s" })
	void poolSettingAtAnExtremeStartsAWorkingPoolOrFailsNamingTheProperty(String property, String value) {
		startsAndWorksOrFailsNamingTheProperty(poolRunner(), property, value, (context) -> {
			WorkerPool orders = context.getBean(WorkerPoolRegistry.class).get("orders");
			assertThat(orders.submit(() -> 42)).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(42);
		});
	}

	// sluice.shutdown.timeout

	@ParameterizedTest(name = "sluice.shutdown.timeout={0}")
	@CsvSource({ "-1ns", "-1s", "-9223372036854775808s" })
	void negativeShutdownTimeoutFailsStartUpNamingTheProperty(String value) {
		failsNamingTheProperty(this.contextRunner, "sluice.shutdown.timeout", value, "zero or more");
	}

	@ParameterizedTest(name = "sluice.shutdown.timeout={0}")
	@CsvSource({ "9223372036854775807ns", "9223372036854775807s" })
	void hugeShutdownTimeoutLetsRunningWorkFinishWhenTheContextCloses(String value) {
		startsAndWorksOrFailsNamingTheProperty(poolRunner(), "sluice.shutdown.timeout", value, (context) -> {
			WorkerPool orders = context.getBean(WorkerPoolRegistry.class).get("orders");
			SluiceShutdownLifecycle shutdown = context.getBean(SluiceShutdownLifecycle.class);
			CompletableFuture<String> task = orders.submit(() -> {
				Thread.sleep(200);
				return "done";
			});
			long start = System.nanoTime();
			context.close();
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
			assertThat(task).isCompletedWithValue("done");
			assertThat(shutdown.lastReport()).isNotNull().satisfies((report) -> assertThat(report.clean()).isTrue());
		});
	}

	@ParameterizedTest(name = "sluice.shutdown.timeout={0}")
	@CsvSource({ "0", "1ns" })
	void zeroOrOneNanosecondShutdownTimeoutAbandonsRunningWorkAtOnce(String value) {
		startsAndWorks(poolRunner(), "sluice.shutdown.timeout", value, (context) -> {
			WorkerPool orders = context.getBean(WorkerPoolRegistry.class).get("orders");
			SluiceShutdownLifecycle shutdown = context.getBean(SluiceShutdownLifecycle.class);
			orders.submit(() -> {
				Thread.sleep(TimeUnit.SECONDS.toMillis(20));
				return null;
			});
			long start = System.nanoTime();
			context.close();
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(WorkerPool.ABANDON_GRACE.plusSeconds(5));
			assertThat(shutdown.lastReport()).isNotNull()
				.satisfies((report) -> assertThat(report.abandoned()).isEqualTo(1));
		});
	}

	// sluice.bulkhead.instances.*

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource({ "sluice.bulkhead.instances.db.permits, 0, at least 1",
			"sluice.bulkhead.instances.db.permits, -1, at least 1",
			"sluice.bulkhead.instances.db.permits, -2147483648, at least 1",
			"sluice.bulkhead.instances.db.acquire-timeout, -1ns, zero or more",
			"sluice.bulkhead.instances.db.acquire-timeout, -1s, zero or more" })
	void semaphoreSettingBelowItsRangeFailsStartUpNamingTheProperty(String property, String value, String allowed) {
		failsNamingTheProperty(this.contextRunner, property, value, allowed);
	}

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource({ "sluice.bulkhead.instances.db.permits, 1", "sluice.bulkhead.instances.db.permits, 2147483647",
			"sluice.bulkhead.instances.db.acquire-timeout, 0", "sluice.bulkhead.instances.db.acquire-timeout, 1ns",
			"sluice.bulkhead.instances.db.acquire-timeout, 9223372036854775807ns",
			"sluice.bulkhead.instances.db.acquire-timeout, 9223372036854775807s" })
	void semaphoreSettingAtAnExtremeStartsAWorkingSemaphoreThatStopsWithTheContext(String property, String value) {
		startsAndWorksOrFailsNamingTheProperty(
				this.contextRunner.withPropertyValues("sluice.bulkhead.instances.db.fair=false"), property, value,
				(context) -> {
					Bulkhead db = context.getBean(BulkheadRegistry.class).get("db");
					SluiceShutdownLifecycle shutdown = context.getBean(SluiceShutdownLifecycle.class);
					try (Bulkhead.Permit permit = db.acquire()) {
						assertThat(permit.count()).isOne();
					}
					context.close();
					assertThat(shutdown.lastReport()).as("report of the shutdown when the context closed").isNotNull();
					assertThat(db.isShutdown()).isTrue();
					assertThatThrownBy(db::acquire).isInstanceOfSatisfying(BulkheadException.class,
							(ex) -> assertThat(ex.reason()).isEqualTo(BulkheadException.Reason.SHUT_DOWN));
				});
	}

	// sluice.rate-limiter.instances.*

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource({ "sluice.rate-limiter.instances.api.rate, 0, at least 1",
			"sluice.rate-limiter.instances.api.rate, -1, at least 1",
			"sluice.rate-limiter.instances.api.rate, -2147483648, at least 1",
			"sluice.rate-limiter.instances.api.burst, 0, at least 1",
			"sluice.rate-limiter.instances.api.burst, -1, at least 1",
			"sluice.rate-limiter.instances.api.per, 0, positive",
			"sluice.rate-limiter.instances.api.per, -1ns, positive",
			"sluice.rate-limiter.instances.api.per, -1s, positive",
			"sluice.rate-limiter.instances.api.timeout, -1ns, zero or more",
			"sluice.rate-limiter.instances.api.timeout, -1s, zero or more" })
	void rateLimiterSettingBelowItsRangeFailsStartUpNamingTheProperty(String property, String value, String allowed) {
		failsNamingTheProperty(limiterRunner(), property, value, allowed);
	}

	@Test
	void aRateAboveOnePerNanosecondFailsStartUpNamingTheRateAndItsRange() {
		failsNamingTheProperty(
				this.contextRunner.withPropertyValues("sluice.rate-limiter.instances.api.per=1ns",
						"sluice.rate-limiter.instances.api.burst=1"),
				"sluice.rate-limiter.instances.api.rate", "2147483647", "at most 1 per nanosecond");
	}

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource({ "sluice.rate-limiter.instances.api.rate, 1", "sluice.rate-limiter.instances.api.rate, 2147483647",
			"sluice.rate-limiter.instances.api.burst, 1", "sluice.rate-limiter.instances.api.burst, 2147483647",
			"sluice.rate-limiter.instances.api.per, 1ns",
			"sluice.rate-limiter.instances.api.per, 9223372036854775807ns",
			"sluice.rate-limiter.instances.api.per, 9223372036854775807s",
			"sluice.rate-limiter.instances.api.timeout, 0", "sluice.rate-limiter.instances.api.timeout, 1ns",
			"sluice.rate-limiter.instances.api.timeout, 9223372036854775807ns",
			"sluice.rate-limiter.instances.api.timeout, 9223372036854775807s" })
	void rateLimiterSettingAtAnExtremeStartsAWorkingLimiterOrFailsNamingTheProperty(String property, String value) {
		startsAndWorksOrFailsNamingTheProperty(limiterRunner(), property, value, (context) -> {
			// acquire() waits up to the configured timeout; the first permit is there at
			// once
			context.getBean(RateLimiterRegistry.class).get("api").acquire();
		});
	}

	// sluice.event-bus.*

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource({ "sluice.event-bus.dispatchers, 0, between 1 and 32767",
			"sluice.event-bus.dispatchers, -1, between 1 and 32767",
			"sluice.event-bus.dispatchers, -2147483648, between 1 and 32767",
			"sluice.event-bus.dispatchers, 32768, between 1 and 32767",
			"sluice.event-bus.subscriber.defaults.buffer, 0, at least 1",
			"sluice.event-bus.subscriber.defaults.buffer, -1, at least 1",
			"sluice.event-bus.subscriber.topics.orders.buffer, 0, at least 1",
			"sluice.event-bus.subscriber.instances.audit.buffer, 0, at least 1",
			"sluice.event-bus.subscriber.instances.audit.buffer, -2147483648, at least 1",
			"sluice.event-bus.subscriber.defaults.publish-timeout, -1ns, zero or more",
			"sluice.event-bus.subscriber.topics.orders.publish-timeout, -1s, zero or more",
			"sluice.event-bus.subscriber.instances.audit.publish-timeout, -1s, zero or more" })
	void eventBusSettingBelowItsRangeFailsStartUpNamingTheProperty(String property, String value, String allowed) {
		failsNamingTheProperty(this.contextRunner.withUserConfiguration(Listener.class), property, value, allowed);
	}

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource({ "sluice.event-bus.dispatchers, 1", "sluice.event-bus.dispatchers, 2147483647",
			"sluice.event-bus.subscriber.defaults.buffer, 1", "sluice.event-bus.subscriber.defaults.buffer, 2147483647",
			"sluice.event-bus.subscriber.topics.orders.buffer, 2147483647",
			"sluice.event-bus.subscriber.instances.audit.buffer, 1",
			"sluice.event-bus.subscriber.instances.audit.buffer, 2147483647",
			"sluice.event-bus.subscriber.defaults.publish-timeout, 0",
			"sluice.event-bus.subscriber.defaults.publish-timeout, 1ns",
			"sluice.event-bus.subscriber.topics.orders.publish-timeout, 9223372036854775807ns",
			"sluice.event-bus.subscriber.instances.audit.publish-timeout, 9223372036854775807s" })
	void eventBusSettingAtAnExtremeStartsABusThatDeliversOrFailsNamingTheProperty(String property, String value) {
		startsAndWorksOrFailsNamingTheProperty(
				this.contextRunner.withUserConfiguration(Listener.class)
					.withPropertyValues("sluice.event-bus.subscriber.instances.audit.overflow=block"),
				property, value, (context) -> {
					EventBus bus = context.getBean(EventBus.class);
					for (int i = 0; i < 3; i++) {
						bus.publish("orders", "order-" + i);
					}
					Listener listener = context.getBean(Listener.class);
					await().atMost(Duration.ofSeconds(10)).until(() -> listener.received.size() == 3);
					assertThat(listener.received).containsExactly("order-0", "order-1", "order-2");
				});
	}

	// one past the largest int: the property cannot even be bound

	@ParameterizedTest(name = "{0}=2147483648")
	@CsvSource({ "sluice.pool.instances.orders.workers", "sluice.pool.instances.orders.queue-capacity",
			"sluice.bulkhead.instances.db.permits", "sluice.rate-limiter.instances.api.rate",
			"sluice.event-bus.dispatchers", "sluice.event-bus.subscriber.defaults.buffer" })
	void aCountOnePastTheLargestIntFailsStartUpNamingThePropertyAndItsRange(String property) {
		failsNamingTheProperty(this.contextRunner, property, "2147483648", "2147483647");
	}

	// sluice.redis.*, with the Redis the tests share

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource({ "sluice.redis.operation-timeout, 0, positive", "sluice.redis.operation-timeout, -1s, positive",
			"sluice.redis.streams.max-length, 0, at least 1", "sluice.redis.streams.max-length, -1, at least 1",
			"sluice.redis.streams.max-deliveries, 0, at least 1", "sluice.redis.streams.max-deliveries, -1, at least 1",
			"sluice.redis.streams.claim-idle, 0, from 1ms to 1 day",
			"sluice.redis.streams.claim-idle, -1s, from 1ms to 1 day",
			"sluice.redis.streams.poll-timeout, 0, from 1ms to 1 day",
			"sluice.redis.streams.poll-timeout, -1s, from 1ms to 1 day",
			"sluice.redis.streams.batch-size, 0, between 1 and 10000",
			"sluice.redis.streams.batch-size, -1, between 1 and 10000",
			"sluice.redis.streams.batch-size, 2147483647, between 1 and 10000" })
	void redisSettingOutOfItsRangeFailsStartUpNamingTheProperty(String property, String value, String allowed) {
		failsNamingTheProperty(redisEventRunner(), property, value, allowed);
	}

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource({ "sluice.redis.operation-timeout, 1ns", "sluice.redis.operation-timeout, 9223372036854775807ns",
			"sluice.redis.operation-timeout, 9223372036854775807s", "sluice.redis.streams.max-length, 1",
			"sluice.redis.streams.max-length, 2147483647", "sluice.redis.streams.max-length, 9223372036854775807",
			"sluice.redis.streams.max-deliveries, 1", "sluice.redis.streams.max-deliveries, 2147483647",
			"sluice.redis.streams.claim-idle, 1ns", "sluice.redis.streams.claim-idle, 9223372036854775807ns",
			"sluice.redis.streams.claim-idle, 9223372036854775807s", "sluice.redis.streams.poll-timeout, 1ns",
			"sluice.redis.streams.poll-timeout, 9223372036854775807ns",
			"sluice.redis.streams.poll-timeout, 9223372036854775807s", "sluice.redis.streams.batch-size, 1" })
	void redisSettingAtAnExtremeStartsAWorkingTransportOrFailsNamingTheProperty(String property, String value) {
		startsAndWorksOrFailsNamingTheProperty(redisEventRunner(), property, value, (context) -> {
			// the transport connects in the background; a publish before that is refused,
			// by design
			RedisEventTransport transport = context.getBean(RedisEventTransport.class);
			await().atMost(Duration.ofSeconds(20)).until(() -> transport.ping(Duration.ofMillis(200)));
			EventBus bus = context.getBean(EventBus.class);
			Queue<String> received = new ConcurrentLinkedQueue<>();
			bus.subscribe("orders", TestOrder.class, (order) -> received.add(order.id()),
					SubscriberOptions.named("audit"));
			bus.publish("orders", new TestOrder("o-1", 1));
			await().atMost(Duration.ofSeconds(20)).until(() -> received.contains("o-1"));
		});
	}

	@ParameterizedTest(name = "sluice.redis.operation-timeout={0}")
	@CsvSource({ "1ns", "9223372036854775807ns", "9223372036854775807s" })
	void operationTimeoutAtAnExtremeStartsAWorkingClusterLimiterOrFailsNamingTheProperty(String value) {
		startsAndWorksOrFailsNamingTheProperty(
				redisRunner().withPropertyValues("sluice.rate-limiter.instances.api.rate=10",
						"sluice.rate-limiter.instances.api.scope=cluster"),
				"sluice.redis.operation-timeout", value,
				(context) -> assertThat(context.getBean(RateLimiterRegistry.class).get("api").tryAcquire()).isTrue());
	}

	// helpers

	private ApplicationContextRunner poolRunner() {
		return this.contextRunner.withPropertyValues("sluice.pool.instances.orders.threads=platform");
	}

	private ApplicationContextRunner limiterRunner() {
		return this.contextRunner.withPropertyValues("sluice.rate-limiter.instances.api.rate=1");
	}

	/**
	 * Sluice and Spring Boot's Redis auto-configuration, connected to the tests' Redis
	 * (skipped without one).
	 */
	private static ApplicationContextRunner redisRunner() {
		RedisURI uri = TestRedis.uri();
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
					SluiceRedisAutoConfiguration.class, RateLimiterAutoConfiguration.class,
					EventBusAutoConfiguration.class, LifecycleAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.host=" + uri.getHost(), "spring.data.redis.port=" + uri.getPort(),
					"sluice.redis.key-prefix=" + TestRedis.uniquePrefix());
	}

	private static ApplicationContextRunner redisEventRunner() {
		return redisRunner().withPropertyValues("sluice.event-bus.transport=redis",
				"sluice.redis.event-types.order=" + TestOrder.class.getName());
	}

	/**
	 * The property at the value must stop start-up, and the analysis must name it and
	 * what it allows.
	 */
	private static void failsNamingTheProperty(ApplicationContextRunner runner, String property, String value,
			String allowed) {
		runner.withPropertyValues(property + "=" + value).run((context) -> {
			assertThat(context).as("start-up with " + property + "=" + value).hasFailed();
			assertThat(analyze(context.getStartupFailure())).contains("'" + property + "'").contains(allowed);
		});
	}

	/**
	 * The property at the value must start the application, and the component must work.
	 */
	private static void startsAndWorks(ApplicationContextRunner runner, String property, String value,
			ContextConsumer<AssertableApplicationContext> works) {
		runner.withPropertyValues(property + "=" + value).run((context) -> {
			if (context.getStartupFailure() != null) {
				throw new AssertionError("Expected start-up with " + property + "=" + value
						+ " to succeed, but it failed: " + describe(context.getStartupFailure()),
						context.getStartupFailure());
			}
			works.accept(context);
		});
	}

	/**
	 * The property at the value must either start the application with a component that
	 * works, or stop start-up with an analysis that names the property and what it
	 * allows.
	 */
	private static void startsAndWorksOrFailsNamingTheProperty(ApplicationContextRunner runner, String property,
			String value, ContextConsumer<AssertableApplicationContext> works) {
		runner.withPropertyValues(property + "=" + value).run((context) -> {
			Throwable failure = context.getStartupFailure();
			if (failure == null) {
				works.accept(context);
				return;
			}
			assertThat(analyze(failure)).as("analysis of the failed start-up with " + property + "=" + value)
				.contains("'" + property + "'")
				.containsPattern(ALLOWED);
		});
	}

	private static String analyze(Throwable failure) {
		return StartupFailures.analyze(failure);
	}

	private static String describe(Throwable failure) {
		Throwable root = NestedExceptionUtils.getMostSpecificCause(failure);
		return failure + ((root != failure) ? " (root cause: " + root + ")" : "");
	}

	@Configuration(proxyBeanMethods = false)
	static class Listener {

		final List<String> received = new CopyOnWriteArrayList<>();

		@EventSubscriber(topic = "orders", name = "audit")
		void audit(String order) {
			this.received.add(order);
		}

	}

}
