package dev.sluice.redis.ratelimit;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

import dev.sluice.KeyLimits;
import dev.sluice.ratelimit.OutagePolicy;
import dev.sluice.ratelimit.RateLimitConfig;
import dev.sluice.ratelimit.RateLimiter;
import dev.sluice.redis.testing.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The keys of cluster rate limiters against the real Redis: each key a bucket of its own,
 * shared by every instance, expiring when idle.
 */
class KeyedRedisRateLimitersTest {

	/**
	 * Fail closed, and patient: a slow round trip on a loaded machine must not
	 * over-grant.
	 */
	private static final ClusterLimitOptions HEALTHY = new ClusterLimitOptions(OutagePolicy.FAIL_CLOSED,
			Duration.ofSeconds(5));

	/** 5 an hour: nothing refills during a test. */
	private static final RateLimitConfig FIVE_AN_HOUR = new RateLimitConfig(5, Duration.ofHours(1), 5, Duration.ZERO);

	private final Deque<Runnable> cleanup = new ArrayDeque<>();

	private final String prefix = TestRedis.uniquePrefix();

	@AfterEach
	void cleanUp() {
		while (!this.cleanup.isEmpty()) {
			this.cleanup.pop().run();
		}
		try (StatefulRedisConnection<String, String> connection = connect()) {
			List<String> keys = connection.sync().keys(this.prefix + "*");
			if (!keys.isEmpty()) {
				connection.sync().del(keys.toArray(String[]::new));
			}
		}
		this.client.shutdown();
	}

	/** For the test's own look at Redis. */
	private final RedisClient client = RedisClient.create(TestRedis.uri());

	private StatefulRedisConnection<String, String> connect() {
		return this.client.connect();
	}

	/** One instance of the application: a client and limiters of its own. */
	private RateLimiter instance(KeyLimits keys) {
		RedisURI uri = TestRedis.uri();
		RedisClient client = RedisClient.create(uri);
		this.cleanup.push(client::shutdown);
		RedisRateLimiters limiters = RedisRateLimiters.create(client, this.prefix);
		this.cleanup.push(limiters::close);
		return limiters.create("api", FIVE_AN_HOUR, HEALTHY, keys);
	}

	private static int drain(RateLimiter limiter) {
		int taken = 0;
		while (limiter.tryAcquire()) {
			taken++;
		}
		return taken;
	}

	@Test
	void eachKeyIsOneBudgetSharedByEveryInstance() {
		RateLimiter first = instance(KeyLimits.defaults());
		RateLimiter second = instance(KeyLimits.defaults());
		assertThat(first.forKey("alice").tryAcquire(3)).isTrue();
		assertThat(drain(second.forKey("alice"))).isEqualTo(2);
		assertThat(first.forKey("alice").tryAcquire()).isFalse();
		// another key, and the limiter's own budget, are untouched
		assertThat(drain(second.forKey("bob"))).isEqualTo(5);
		assertThat(drain(first)).isEqualTo(5);
		assertThat(first.stats().keys()).isEqualTo(1);
		try (StatefulRedisConnection<String, String> connection = connect()) {
			assertThat(connection.sync().keys(this.prefix + "*")).containsExactlyInAnyOrder(
					this.prefix + "ratelimit:api", this.prefix + "ratelimit:api:key:alice",
					this.prefix + "ratelimit:api:key:bob");
		}
	}

	@Test
	void aKeysBucketExpiresInRedisOnceItWouldHaveRefilled() {
		RateLimiter limiter = instance(KeyLimits.defaults());
		// 100 a second with a burst of 1: refilled in 10ms, so the key lives about a
		// minute
		limiter.reconfigure(new RateLimitConfig(100, Duration.ofSeconds(1), 1, Duration.ZERO));
		assertThat(limiter.forKey("carol").tryAcquire()).isTrue();
		try (StatefulRedisConnection<String, String> connection = connect()) {
			long ttl = connection.sync().pttl(this.prefix + "ratelimit:api:key:carol");
			assertThat(ttl).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(61).toMillis());
		}
	}

	@Test
	void evictingAKeyHereForgetsNothingSinceItsBucketIsInRedis() {
		RateLimiter limiter = instance(new KeyLimits(1, Duration.ofHours(1)));
		assertThat(drain(limiter.forKey("alice"))).isEqualTo(5);
		assertThat(drain(limiter.forKey("bob"))).isEqualTo(5);
		assertThat(limiter.keyCount()).isEqualTo(1);
		// alice was evicted here, and comes back to her bucket as Redis has it
		assertThat(limiter.forKey("alice").tryAcquire()).isFalse();
		assertThat(limiter.isShutdown()).isFalse();
		assertThat(drain(limiter)).isEqualTo(5);
	}

	@Test
	void shuttingDownTheLimiterRefusesItsKeys() {
		RateLimiter limiter = instance(KeyLimits.defaults());
		RateLimiter alice = limiter.forKey("alice");
		assertThat(alice.tryAcquire()).isTrue();
		limiter.stopIntake();
		assertThat(alice.isShutdown()).isTrue();
		org.assertj.core.api.Assertions.assertThatThrownBy(alice::tryAcquire)
			.isInstanceOf(dev.sluice.ratelimit.RateLimitExceededException.class);
	}

}
