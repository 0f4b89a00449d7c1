package dev.sluice.autoconfigure.redis;

import java.time.Duration;
import java.util.Map;

import dev.sluice.autoconfigure.actuate.SluiceEndpointContributor;
import dev.sluice.eventbus.EventBus;
import dev.sluice.ratelimit.RateLimiterRegistry;
import dev.sluice.redis.eventbus.RedisEventTransport;
import dev.sluice.redis.eventbus.RedisTopicStats;
import dev.sluice.redis.ratelimit.ClusterLimiterStats;
import dev.sluice.redis.testing.TestRedis;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /actuator/sluice/redis}: the limiters' and the streams' own stats records, by
 * name.
 */
class RedisEndpointContributorTests {

	@Test
	void showsEachClusterLimiterAndEachStreamByNameAsTheirStatsRecords() {
		RedisContexts.runner()
			.withPropertyValues("sluice.redis.key-prefix=" + TestRedis.uniquePrefix(),
					"sluice.rate-limiter.instances.partner.rate=5",
					"sluice.rate-limiter.instances.partner.scope=cluster", "sluice.event-bus.transport=redis",
					"sluice.redis.event-types.order=" + TestOrder.class.getName())
			.run((context) -> {
				assertThat(context).hasNotFailed();
				RedisEventTransport transport = context.getBean(RedisEventTransport.class);
				await().atMost(Duration.ofSeconds(20)).until(() -> transport.ping(Duration.ofMillis(200)));
				assertThat(context.getBean(RateLimiterRegistry.class).get("partner").tryAcquire()).isTrue();
				context.getBean(EventBus.class).publish("orders", new TestOrder("o-1", 1));

				SluiceEndpointContributor contributor = context.getBean("sluiceRedisEndpointContributor",
						SluiceEndpointContributor.class);
				assertThat(contributor.kind()).isEqualTo("redis");
				Map<String, Object> components = contributor.components();
				assertThat(components).containsOnlyKeys("rate-limiters", "event-streams");
				assertThat(((Map<?, ?>) components.get("rate-limiters")).get("partner"))
					.isInstanceOfSatisfying(ClusterLimiterStats.class, (limiter) -> {
						assertThat(limiter.roundTrips()).isPositive();
						// the settings Redis holds, which every instance applies
						assertThat(limiter.effective()).isNotNull();
						assertThat(limiter.effective().rate()).isEqualTo(5);
					});
				assertThat(((Map<?, ?>) components.get("event-streams")).get("orders"))
					.isInstanceOfSatisfying(RedisTopicStats.class, (topic) -> {
						assertThat(topic.published()).isEqualTo(1);
						assertThat(topic.length()).isEqualTo(1);
					});

				String json = JsonMapper.builder().build().writeValueAsString(components);
				assertThat(json).contains("\"rate-limiters\":{\"partner\":{\"name\":\"partner\"")
					.contains("\"roundTrips\":")
					.contains("\"event-streams\":{\"orders\":{\"topic\":\"orders\"")
					.contains("\"published\":1")
					.contains("\"missed\":0")
					.contains("\"effective\":{\"rate\":5");
			});
	}

}
