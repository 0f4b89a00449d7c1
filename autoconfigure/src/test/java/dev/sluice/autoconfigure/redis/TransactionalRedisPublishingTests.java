package dev.sluice.autoconfigure.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.PublishResult;
import dev.sluice.eventbus.SubscriberOptions;
import dev.sluice.redis.eventbus.RedisEventTransport;
import dev.sluice.redis.eventbus.RedisTopicStats;
import dev.sluice.redis.testing.TestRedis;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabase;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabaseBuilder;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabaseType;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An after-commit topic on the Redis transport, with a real transaction manager (H2) on
 * the publishing instance: nothing reaches the stream before the commit, every instance
 * receives the event after it, and a rolled-back publish is never written.
 */
class TransactionalRedisPublishingTests {

	@Test
	void theStreamSeesAPublishOnlyOnceItsTransactionCommitsAndNeverIfItRollsBack() {
		ApplicationContextRunner runner = RedisContexts.runner()
			.withUserConfiguration(Database.class)
			.withPropertyValues("sluice.redis.key-prefix=" + TestRedis.uniquePrefix(),
					"sluice.event-bus.transport=redis", "sluice.redis.event-types.order=" + TestOrder.class.getName(),
					"sluice.redis.streams.poll-timeout=200ms",
					"sluice.event-bus.topic.instances.orders.transactional=after-commit");
		RedisClusterTests.instances(runner, 2, (contexts) -> {
			List<Queue<String>> received = new ArrayList<>();
			for (AssertableApplicationContext context : contexts) {
				Queue<String> ids = new ConcurrentLinkedQueue<>();
				received.add(ids);
				context.getBean(EventBus.class)
					.subscribe("orders", TestOrder.class, (order) -> ids.add(order.id()),
							SubscriberOptions.named("audit"));
			}
			AssertableApplicationContext publisher = contexts.get(0);
			EventBus bus = publisher.getBean(EventBus.class);
			RedisEventTransport transport = publisher.getBean(RedisEventTransport.class);
			TransactionTemplate transaction = new TransactionTemplate(
					publisher.getBean(DataSourceTransactionManager.class));
			JdbcTemplate jdbc = new JdbcTemplate(publisher.getBean(EmbeddedDatabase.class));

			PublishResult held = transaction.execute((status) -> {
				jdbc.update("insert into orders(id) values ('o-1')");
				PublishResult result = publish(bus, "o-1");
				assertThat(streamed(transport)).as("written to the stream before the commit").isZero();
				return result;
			});
			assertThat(held).isSameAs(PublishResult.DEFERRED);
			assertThat(streamed(transport)).isEqualTo(1);
			await().atMost(Duration.ofSeconds(20))
				.untilAsserted(() -> received.forEach((ids) -> assertThat(ids).containsExactly("o-1")));

			transaction.executeWithoutResult((status) -> {
				jdbc.update("insert into orders(id) values ('o-2')");
				publish(bus, "o-2");
				status.setRollbackOnly();
			});
			assertThat(streamed(transport)).as("a rolled-back publish is never written").isEqualTo(1);
			// outside a transaction the topic publishes at once; the dropped event never
			// arrives before it
			assertThat(publish(bus, "o-3").deferred()).isFalse();
			await().atMost(Duration.ofSeconds(20))
				.untilAsserted(() -> received.forEach((ids) -> assertThat(ids).containsExactly("o-1", "o-3")));
			assertThat(jdbc.queryForList("select id from orders", String.class)).containsExactly("o-1");
		});
	}

	private static PublishResult publish(EventBus bus, String id) {
		try {
			return bus.publish("orders", new TestOrder(id, 1));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** Events this instance wrote to the topic's stream. */
	private static long streamed(RedisEventTransport transport) {
		return transport.stats()
			.stream()
			.filter((stats) -> stats.topic().equals("orders"))
			.mapToLong(RedisTopicStats::published)
			.sum();
	}

	@Configuration(proxyBeanMethods = false)
	static class Database {

		@Bean(destroyMethod = "shutdown")
		EmbeddedDatabase database() {
			EmbeddedDatabase database = new EmbeddedDatabaseBuilder().setType(EmbeddedDatabaseType.H2)
				.generateUniqueName(true)
				.build();
			new JdbcTemplate(database).execute("create table orders(id varchar(16) primary key)");
			return database;
		}

		@Bean
		DataSourceTransactionManager transactionManager(EmbeddedDatabase database) {
			return new DataSourceTransactionManager(database);
		}

	}

}
