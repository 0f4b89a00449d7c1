package dev.sluice.lifecycle;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.sluice.bulkhead.Bulkhead;
import dev.sluice.bulkhead.BulkheadConfig;
import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.SubscriberOptions;
import dev.sluice.pool.PoolConfig;
import dev.sluice.pool.WorkerPool;
import dev.sluice.ratelimit.RateLimitConfig;
import dev.sluice.ratelimit.RateLimiter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The extremes matrix of graceful shutdown: the drain timeout at 0, 1ns, huge and
 * negative, with every kind of component, including a bulkhead whose limit is
 * {@code Integer.MAX_VALUE}; and a {@link ShutdownReport} that holds extreme durations
 * and counts. Never an {@link ArithmeticException}, an {@link Error} or a hang.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ExtremeValuesTest {

	private final CountDownLatch release = new CountDownLatch(1);

	private final List<Drainable> components = new CopyOnWriteArrayList<>();

	@AfterEach
	void abandonWhatIsLeft() {
		this.release.countDown();
		this.components.forEach(Drainable::abandonRemaining);
	}

	static Stream<Named<Duration>> huge() {
		return Stream.of(Named.of("Duration.ofNanos(Long.MAX_VALUE)", Duration.ofNanos(Long.MAX_VALUE)),
				Named.of("Duration.ofSeconds(Long.MAX_VALUE)", Duration.ofSeconds(Long.MAX_VALUE)));
	}

	static Stream<Named<Duration>> noWait() {
		return Stream.of(Named.of("Duration.ZERO", Duration.ZERO),
				Named.of("Duration.ofNanos(1)", Duration.ofNanos(1)));
	}

	static Stream<Named<Duration>> negative() {
		return Stream.of(Named.of("Duration.ofNanos(-1)", Duration.ofNanos(-1)),
				Named.of("Duration.ofSeconds(-1)", Duration.ofSeconds(-1)),
				Named.of("Duration.ofSeconds(Long.MIN_VALUE)", Duration.ofSeconds(Long.MIN_VALUE)));
	}

	@ParameterizedTest(name = "drain({0})")
	@MethodSource("negative")
	void negativeDrainTimeoutIsRefusedNamingTheSetting(Duration timeout) {
		assertThatIllegalArgumentException().isThrownBy(() -> GracefulShutdown.drain(List.of(), timeout))
			.withMessageContaining("timeout")
			.withMessageContaining("zero or positive");
	}

	@ParameterizedTest(name = "drain({0})")
	@MethodSource("huge")
	void drainWithAHugeTimeoutReturnsOnceEveryComponentHasDrained(Duration timeout) throws Exception {
		WorkerPool pool = track(WorkerPool.create("jobs", PoolConfig.defaults().withWorkers(1)));
		CompletableFuture<String> task = pool.submit(() -> {
			Thread.sleep(200);
			return "done";
		});
		EventBus bus = track(EventBus.create("events", 1));
		List<String> delivered = new CopyOnWriteArrayList<>();
		bus.subscribe("topic", String.class, (event) -> {
			sleep(200);
			delivered.add(event);
		}, SubscriberOptions.named("slow"));
		bus.publish("topic", "event");
		Bulkhead bulkhead = track(Bulkhead.create("db", BulkheadConfig.ofPermits(10)));
		RateLimiter limiter = track(RateLimiter.create("api", RateLimitConfig.perSecond(10)));

		ShutdownReport report = GracefulShutdown.drain(List.of(pool, bus, bulkhead, limiter), timeout);

		assertThat(report.clean()).isTrue();
		assertThat(report.components()).extracting(ShutdownReport.Component::name)
			.containsExactly("jobs", "events", "db", "api");
		assertThat(task).isCompletedWithValue("done");
		assertThat(delivered).containsExactly("event");
		assertThat(report.took()).isLessThan(Duration.ofSeconds(10));
		assertThat(bulkhead.isShutdown()).isTrue();
		assertThat(limiter.isShutdown()).isTrue();
	}

	@ParameterizedTest(name = "drain({0})")
	@MethodSource("noWait")
	void drainWithZeroOrOneNanosecondAbandonsWhatIsRunningAtOnce(Duration timeout) throws Exception {
		WorkerPool pool = track(WorkerPool.create("jobs", PoolConfig.defaults().withWorkers(1)));
		CountDownLatch started = new CountDownLatch(1);
		pool.submit(() -> {
			started.countDown();
			this.release.await(20, TimeUnit.SECONDS);
			return null;
		});
		assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

		ShutdownReport report = GracefulShutdown.drain(List.of(pool), timeout);

		assertThat(report.clean()).isFalse();
		assertThat(report.components()).singleElement().satisfies((component) -> {
			assertThat(component.drained()).isFalse();
			assertThat(component.abandoned()).isEqualTo(1);
		});
		assertThat(report.took()).isLessThan(WorkerPool.ABANDON_GRACE.plusSeconds(2));
	}

	@ParameterizedTest(name = "drain({0})")
	@MethodSource("huge")
	void drainWithAHugeTimeoutStopsABulkheadOfIntegerMaxPermits(Duration timeout) {
		Bulkhead bulkhead = track(Bulkhead.create("wide", BulkheadConfig.ofPermits(Integer.MAX_VALUE)));
		WorkerPool pool = track(WorkerPool.create("jobs", PoolConfig.defaults().withWorkers(1)));

		Throwable thrown = catchThrowable(() -> {
			ShutdownReport report = GracefulShutdown.drain(List.of(pool, bulkhead), timeout);
			assertThat(report.clean()).isTrue();
			assertThat(report.components()).extracting(ShutdownReport.Component::name).containsExactly("jobs", "wide");
		});

		assertThat(thrown).as("what draining threw").isNull();
		assertThat(bulkhead.isShutdown()).isTrue();
	}

	@Test
	void aReportHoldsAHugeDuration() {
		ShutdownReport report = new ShutdownReport(Duration.ofSeconds(Long.MAX_VALUE),
				List.of(new ShutdownReport.Component("jobs", true, 0)));
		assertThat(report.took()).isEqualTo(Duration.ofSeconds(Long.MAX_VALUE));
		assertThat(report.clean()).isTrue();
	}

	@Test
	void aReportsTotalOfAbandonedTasksNeverGoesNegative() {
		ShutdownReport report = new ShutdownReport(Duration.ofSeconds(1),
				List.of(new ShutdownReport.Component("a", false, Integer.MAX_VALUE),
						new ShutdownReport.Component("b", false, Integer.MAX_VALUE)));
		assertThat(report.abandoned()).isGreaterThanOrEqualTo(Integer.MAX_VALUE);
		assertThat(report.clean()).isFalse();
	}

	private <T extends Drainable> T track(T component) {
		this.components.add(component);
		return component;
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
