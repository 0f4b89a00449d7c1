package dev.sluice.redis.eventbus;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Map;
import java.util.ResourceBundle;

import dev.sluice.eventbus.SubscriberOptions;
import dev.sluice.redis.eventbus.Instances.Instance;
import dev.sluice.redis.eventbus.Instances.Ping;
import dev.sluice.redis.testing.TestRedis;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class RateLimitedLogTest {

	@Test
	void aKindWarnsOncePerIntervalThenAgainOnceRecovered() {
		RecordingLogger logger = new RecordingLogger();
		RateLimitedLog log = new RateLimitedLog(logger);
		log.warn("trim:a", "first", null);
		log.warn("trim:a", "second", null);
		log.warn("trim:b", "other kind", null);
		log.recovered("trim:a");
		log.warn("trim:a", "after recovery", null);
		assertThat(logger.entries).extracting(RecordingLogger.Entry::level)
			.containsExactly(Level.WARNING, Level.DEBUG, Level.WARNING, Level.WARNING);
	}

	@Test
	void aKindWarnsAgainOnceTheIntervalIsOver() throws InterruptedException {
		RecordingLogger logger = new RecordingLogger();
		RateLimitedLog log = new RateLimitedLog(logger, Duration.ofMillis(50));
		log.warn("k", "first", null);
		log.warn("k", "soon after", null);
		Thread.sleep(60);
		log.warn("k", "later", null);
		assertThat(logger.entries).extracting(RecordingLogger.Entry::level)
			.containsExactly(Level.WARNING, Level.DEBUG, Level.WARNING);
	}

	@Test
	void twoLogsDoNotSilenceEachOther() {
		RecordingLogger one = new RecordingLogger();
		RecordingLogger other = new RecordingLogger();
		new RateLimitedLog(one).warn("same kind", "from one", null);
		new RateLimitedLog(other).warn("same kind", "from the other", null);
		assertThat(one.levels("from one")).containsExactly(Level.WARNING);
		assertThat(other.levels("from the other")).containsExactly(Level.WARNING);
	}

	@Test
	void aLoggerThatThrowsDoesNotReachTheCaller() {
		RateLimitedLog log = new RateLimitedLog(new System.Logger() {

			@Override
			public String getName() {
				return "broken";
			}

			@Override
			public boolean isLoggable(Level level) {
				return true;
			}

			@Override
			public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
				throw new IllegalStateException("broken logger");
			}

			@Override
			public void log(Level level, ResourceBundle bundle, String format, Object... params) {
				throw new IllegalStateException("broken logger");
			}
		});
		log.warn("k", "message", new RuntimeException("cause"));
		log.log(Level.WARNING, "message", new RuntimeException("cause"));
	}

	@Test
	void twoTransportsInOneJvmEachWarnOfTheSameMalformedEntry() throws InterruptedException {
		try (Instances instances = new Instances(TestRedis.uri(), TestRedis.uniquePrefix())) {
			RecordingLogger first = new RecordingLogger();
			RecordingLogger second = new RecordingLogger();
			Instance one = instances.start("one", (builder) -> builder, null, new RateLimitedLog(first));
			Instance two = instances.start("two", (builder) -> builder, null, new RateLimitedLog(second));
			for (Instance instance : new Instance[] { one, two }) {
				instance.bus().subscribe("news", Ping.class, (ping) -> {
				}, SubscriberOptions.named("all"));
			}
			// both read the same stream under the same key, so their warnings are of the
			// same kind
			instances.raw().xadd(one.transport().streamKey("news"), Map.of("type", "nope", "data", "{}"));
			await().atMost(Duration.ofSeconds(30))
				.until(() -> one.topic("news").malformed() == 1 && two.topic("news").malformed() == 1);
			assertThat(first.levels("is not an event this instance can read")).containsExactly(Level.WARNING);
			assertThat(second.levels("is not an event this instance can read")).containsExactly(Level.WARNING);
		}
	}

}
