package dev.sluice.autoconfigure.eventbus;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import dev.sluice.autoconfigure.StartupFailures;
import dev.sluice.autoconfigure.actuate.SluiceEndpoint;
import dev.sluice.autoconfigure.actuate.SluiceEndpointAutoConfiguration;
import dev.sluice.autoconfigure.lifecycle.LifecycleAutoConfiguration;
import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.PublishResult;
import dev.sluice.eventbus.SubscriberOptions;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabase;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabaseBuilder;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabaseType;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.awaitility.Awaitility.await;

/**
 * Topics set to {@code after-commit}, with a real transaction manager on an embedded
 * database (H2): a publish made in a transaction goes out when it commits, together with
 * the rows it wrote, and is dropped, counted, when it rolls back.
 */
class TransactionalPublishingTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LifecycleAutoConfiguration.class, EventBusAutoConfiguration.class,
				MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
				SluiceEndpointAutoConfiguration.class))
		.withUserConfiguration(Database.class)
		.withPropertyValues("sluice.event-bus.topic.instances.orders.transactional=after-commit",
				"management.endpoints.web.exposure.include=sluice");

	@Test
	void aPublishInATransactionGoesOutWhenItCommitsAndNotBefore() {
		this.runner.run((context) -> {
			Fixture fixture = new Fixture(context);
			PublishResult result = fixture.transaction.execute((status) -> {
				fixture.jdbc.update("insert into orders(id) values (1)");
				PublishResult inside = fixture.publish("orders", "order-1");
				// a publish that goes out is counted before publish returns
				assertThat(fixture.bus.published("orders")).as("nothing goes out before the commit").isZero();
				return inside;
			});
			assertThat(result).isSameAs(PublishResult.DEFERRED);
			await().untilAsserted(() -> assertThat(fixture.received).containsExactly("order-1"));
			assertThat(fixture.rows()).isEqualTo(1);
			assertThat(fixture.stats("orders")).isEqualTo(new TransactionalPublishing.Stats("orders", 1, 1, 0, 0, 0));
		});
	}

	@Test
	void aPublishInATransactionThatRollsBackIsDroppedAndCounted() {
		this.runner.run((context) -> {
			Fixture fixture = new Fixture(context);
			fixture.transaction.executeWithoutResult((status) -> {
				fixture.jdbc.update("insert into orders(id) values (2)");
				fixture.publish("orders", "order-2");
				assertThat(fixture.stats("orders").waiting()).isEqualTo(1);
				status.setRollbackOnly();
			});
			// a later event shows the bus still delivers, and the dropped one never came
			fixture.publish("orders", "after");
			await().untilAsserted(() -> assertThat(fixture.received).containsExactly("after"));
			assertThat(fixture.rows()).isZero();
			assertThat(fixture.stats("orders")).isEqualTo(new TransactionalPublishing.Stats("orders", 1, 0, 0, 1, 0));
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			assertThat(meters.get("sluice.eventbus.deferred.settled")
				.tags("topic", "orders", "outcome", "rolled-back")
				.functionCounter()
				.count()).isEqualTo(1.0);
			assertThat(meters.get("sluice.eventbus.deferred").tags("topic", "orders").functionCounter().count())
				.isEqualTo(1.0);
			assertThat(meters.get("sluice.eventbus.deferred.waiting").tags("topic", "orders").gauge().value()).isZero();
			assertThat(context.getBean(SluiceEndpoint.class).components().get("event-bus").toString())
				.contains("afterCommit={orders=Stats[topic=orders, deferred=1, published=0, failed=0, rolledBack=1");
		});
	}

	@Test
	void aThrowingTransactionRollsBackAndItsEventIsDropped() {
		this.runner.run((context) -> {
			Fixture fixture = new Fixture(context);
			try {
				fixture.transaction.executeWithoutResult((status) -> {
					fixture.publish("orders", "order-3");
					throw new IllegalStateException("payment declined");
				});
			}
			catch (IllegalStateException expected) {
				// the transaction rolled back
			}
			assertThat(fixture.bus.published("orders")).isZero();
			assertThat(fixture.received).isEmpty();
			assertThat(fixture.stats("orders").rolledBack()).isEqualTo(1);
		});
	}

	@Test
	void topicsLeftImmediateGoOutAtOnceEvenIfTheTransactionRollsBack() {
		this.runner.run((context) -> {
			Fixture fixture = new Fixture(context);
			fixture.transaction.executeWithoutResult((status) -> {
				assertThat(fixture.publish("audit", "seen").deferred()).isFalse();
				status.setRollbackOnly();
			});
			await().untilAsserted(() -> assertThat(fixture.received).containsExactly("seen"));
			assertThat(fixture.publishing().stats()).isEmpty();
		});
	}

	@Test
	void outsideATransactionAnAfterCommitTopicPublishesAtOnce() {
		this.runner.run((context) -> {
			Fixture fixture = new Fixture(context);
			assertThat(fixture.publish("orders", "no-transaction").deferred()).isFalse();
			await().untilAsserted(() -> assertThat(fixture.received).containsExactly("no-transaction"));
			assertThat(fixture.stats("orders").deferred()).isZero();
		});
	}

	@Test
	void theDefaultsMayHoldEveryTopicAndATopicMayOptOut() {
		this.runner
			.withPropertyValues("sluice.event-bus.topic.defaults.transactional=after-commit",
					"sluice.event-bus.topic.instances.audit.transactional=immediate")
			.run((context) -> {
				Fixture fixture = new Fixture(context);
				fixture.transaction.executeWithoutResult((status) -> {
					assertThat(fixture.publish("payments", "held").deferred()).isTrue();
					assertThat(fixture.publish("audit", "at-once").deferred()).isFalse();
					status.setRollbackOnly();
				});
				await().untilAsserted(() -> assertThat(fixture.received).containsExactly("at-once"));
				assertThat(fixture.stats("payments").rolledBack()).isEqualTo(1);
			});
	}

	@Test
	void publishesOfOneTransactionGoOutInTheOrderTheyWereMade() {
		this.runner.run((context) -> {
			Fixture fixture = new Fixture(context);
			fixture.transaction.executeWithoutResult((status) -> {
				for (int i = 0; i < 100; i++) {
					fixture.publish("orders", "e" + i);
				}
			});
			await().untilAsserted(() -> assertThat(fixture.received).hasSize(100));
			assertThat(fixture.received).isEqualTo(IntStream.range(0, 100).mapToObj((i) -> "e" + i).toList());
		});
	}

	@Test
	void anInnerTransactionThatJoinsWaitsForTheOuterOneAndANewOneForItsOwnCommit() {
		this.runner.run((context) -> {
			Fixture fixture = new Fixture(context);
			TransactionTemplate requiresNew = new TransactionTemplate(fixture.transaction.getTransactionManager());
			requiresNew.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
			fixture.transaction.executeWithoutResult((outer) -> {
				fixture.transaction.executeWithoutResult((joined) -> fixture.publish("orders", "joined"));
				requiresNew.executeWithoutResult((own) -> fixture.publish("orders", "own"));
				await().untilAsserted(() -> assertThat(fixture.received).containsExactly("own"));
				outer.setRollbackOnly();
			});
			assertThat(fixture.bus.published("orders")).isEqualTo(1);
			assertThat(fixture.received).containsExactly("own");
			assertThat(fixture.stats("orders")).isEqualTo(new TransactionalPublishing.Stats("orders", 2, 1, 0, 1, 0));
		});
	}

	@Test
	void aPublishFromAnotherSynchronizationsAfterCommitStillGoesOut() {
		// as from an @TransactionalEventListener(AFTER_COMMIT): the transaction is still
		// active, and Spring calls afterCommit only on the synchronizations it had before
		this.runner.run((context) -> {
			Fixture fixture = new Fixture(context);
			fixture.transaction.executeWithoutResult((status) -> TransactionSynchronizationManager
				.registerSynchronization(new TransactionSynchronization() {
					@Override
					public void afterCommit() {
						assertThat(fixture.publish("orders", "from-after-commit").deferred()).isTrue();
					}
				}));
			await().untilAsserted(() -> assertThat(fixture.received).containsExactly("from-after-commit"));
			assertThat(fixture.stats("orders").published()).isEqualTo(1);
		});
	}

	@Test
	void aPublishRefusedAfterTheCommitIsCountedAndNeverFailsTheCommit() {
		this.runner.run((context) -> {
			Fixture fixture = new Fixture(context);
			assertThatNoException().isThrownBy(() -> fixture.transaction.executeWithoutResult((status) -> {
				fixture.jdbc.update("insert into orders(id) values (4)");
				fixture.publish("orders", "too-late");
				fixture.bus.stopIntake();
			}));
			assertThat(fixture.rows()).as("the transaction committed").isEqualTo(1);
			assertThat(fixture.received).isEmpty();
			assertThat(fixture.stats("orders")).isEqualTo(new TransactionalPublishing.Stats("orders", 1, 0, 1, 0, 0));
		});
	}

	@Test
	void withoutSpringsTransactionSupportAfterCommitStopsStartUpNamingTheProperty() {
		this.runner.withClassLoader(new FilteredClassLoader("org.springframework.transaction"))
			.withUserConfiguration()
			.run((context) -> assertThat(StartupFailures.analyze(context.getStartupFailure()))
				.contains("sluice.event-bus.topic.instances.orders.transactional", "spring-tx"));
	}

	@Test
	void anUnknownValueStopsStartUpNamingWhatIsAllowed() {
		this.runner.withPropertyValues("sluice.event-bus.topic.instances.orders.transactional=later")
			.run((context) -> assertThat(StartupFailures.analyze(context.getStartupFailure()))
				.contains("sluice.event-bus.topic.instances.orders.transactional", "after-commit", "immediate"));
	}

	@Test
	void withNoTopicAfterCommitTheBusHasNoInterceptor() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(LifecycleAutoConfiguration.class, EventBusAutoConfiguration.class))
			.withUserConfiguration(Database.class)
			.run((context) -> {
				Fixture fixture = new Fixture(context);
				fixture.transaction.executeWithoutResult((status) -> {
					assertThat(fixture.publish("orders", "at-once").deferred()).isFalse();
					status.setRollbackOnly();
				});
				await().untilAsserted(() -> assertThat(fixture.received).containsExactly("at-once"));
			});
	}

	/** The bus with one subscriber on each topic the tests use, and the database. */
	static final class Fixture {

		final EventBus bus;

		final TransactionTemplate transaction;

		final JdbcTemplate jdbc;

		final List<Object> received = new CopyOnWriteArrayList<>();

		private final AssertableApplicationContext context;

		Fixture(AssertableApplicationContext context) {
			this.context = context;
			this.bus = context.getBean(EventBus.class);
			this.transaction = new TransactionTemplate(context.getBean(DataSourceTransactionManager.class));
			this.jdbc = new JdbcTemplate(context.getBean(EmbeddedDatabase.class));
			for (String topic : List.of("orders", "audit", "payments")) {
				this.bus.subscribe(topic, String.class, this.received::add, SubscriberOptions.named(topic + "-test"));
			}
		}

		PublishResult publish(String topic, String event) {
			try {
				return this.bus.publish(topic, event);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
		}

		TransactionalPublishing publishing() {
			return this.context.getBean(TransactionalPublishing.class);
		}

		TransactionalPublishing.Stats stats(String topic) {
			return publishing().stats(topic);
		}

		int rows() {
			Integer rows = this.jdbc.queryForObject("select count(*) from orders", Integer.class);
			return (rows != null) ? rows : -1;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Database {

		@Bean(destroyMethod = "shutdown")
		EmbeddedDatabase database() {
			EmbeddedDatabase database = new EmbeddedDatabaseBuilder().setType(EmbeddedDatabaseType.H2)
				.generateUniqueName(true)
				.build();
			new JdbcTemplate(database).execute("create table orders(id int primary key)");
			return database;
		}

		@Bean
		DataSourceTransactionManager transactionManager(EmbeddedDatabase database) {
			return new DataSourceTransactionManager(database);
		}

	}

}
