package dev.sluice.eventbus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The extremes matrix of the event-bus package: dispatchers and subscriber buffers at 0,
 * 1, {@code Integer.MAX_VALUE} and negative; the publish timeout and {@code awaitDrained}
 * at 0, 1ns, huge and negative. Each case either works as documented or is refused with
 * an {@link IllegalArgumentException} that names the setting and what is allowed; never
 * an {@link ArithmeticException}, an {@link Error} (an {@link OutOfMemoryError} from a
 * buffer allocated up front, say) or a hang.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ExtremeValuesTest {

	private static final Duration PROMPT = Duration.ofSeconds(2);

	private final List<EventBus> buses = new ArrayList<>();

	private final CountDownLatch release = new CountDownLatch(1);

	@AfterEach
	void closeBuses() {
		this.release.countDown();
		this.buses.forEach(EventBus::abandonRemaining);
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

	// EventBus.create dispatchers

	@ParameterizedTest(name = "dispatchers {0}")
	@ValueSource(ints = { 0, -1, Integer.MIN_VALUE, EventBus.MAX_DISPATCHERS + 1, Integer.MAX_VALUE })
	void dispatchersOutsideTheirRangeAreRefusedNamingTheSettingAndTheRange(int dispatchers) {
		assertRefused(() -> EventBus.create("bus", dispatchers), "dispatchers", "between 1 and 32767");
	}

	@ParameterizedTest(name = "dispatchers {0}")
	@ValueSource(ints = { 1, EventBus.MAX_DISPATCHERS })
	void busWithOneOrTheMostDispatchersDeliversEveryEvent(int dispatchers) throws Exception {
		EventBus bus = created(() -> bus(dispatchers));
		List<String> received = new CopyOnWriteArrayList<>();
		for (int s = 0; s < 3; s++) {
			bus.subscribe("topic", String.class, received::add, SubscriberOptions.named("s" + s));
		}
		for (int i = 0; i < 10; i++) {
			bus.publish("topic", "event-" + i);
		}
		await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 30);
	}

	// SubscriberOptions.buffer

	@ParameterizedTest(name = "buffer {0}")
	@ValueSource(ints = { 0, -1, Integer.MIN_VALUE })
	void bufferBelowOneIsRefusedNamingTheSetting(int buffer) {
		assertRefused(() -> SubscriberOptions.named("s").withBuffer(buffer), "buffer", "at least 1");
	}

	@Test
	void bufferOfOneHoldsOneWaitingEvent() throws Exception {
		EventBus bus = bus(1);
		List<String> received = new CopyOnWriteArrayList<>();
		CountDownLatch first = new CountDownLatch(1);
		bus.subscribe("topic", String.class, blockingOnFirst(received, first),
				SubscriberOptions.named("one").withBuffer(1).withOverflow(BufferOverflow.DROP_NEWEST));
		bus.publish("topic", "a");
		await().atMost(Duration.ofSeconds(10)).until(() -> first.getCount() == 0);
		assertThat(bus.publish("topic", "b").queued()).isEqualTo(1);
		assertThat(bus.publish("topic", "c").droppedNewest()).isEqualTo(1);
		this.release.countDown();
		await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 2);
		assertThat(received).containsExactly("a", "b");
	}

	@Test
	void bufferOfIntegerMaxIsNotAllocatedUpFrontAndQueuesEvents() throws Exception {
		EventBus bus = bus(1);
		List<String> received = new CopyOnWriteArrayList<>();
		CountDownLatch first = new CountDownLatch(1);
		Subscription subscription = created(() -> bus.subscribe("topic", String.class, blockingOnFirst(received, first),
				SubscriberOptions.named("max").withBuffer(Integer.MAX_VALUE).withOverflow(BufferOverflow.FAIL)));
		List<String> events = IntStream.range(0, 1000).mapToObj((i) -> "event-" + i).toList();
		for (String event : events) {
			assertThat(bus.publish("topic", event).queued()).isEqualTo(1);
		}
		assertThat(subscription.stats().buffer()).isEqualTo(Integer.MAX_VALUE);
		this.release.countDown();
		await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == events.size());
		assertThat(received).containsExactlyElementsOf(events);
	}

	// SubscriberOptions.publishTimeout, and publish under BLOCK

	@ParameterizedTest(name = "publish-timeout {0}")
	@MethodSource("negative")
	void negativePublishTimeoutIsRefusedNamingTheSetting(Duration timeout) {
		assertRefused(() -> SubscriberOptions.named("s").withPublishTimeout(timeout), "publish-timeout",
				"zero or more");
	}

	@ParameterizedTest(name = "publish-timeout {0}")
	@MethodSource("noWait")
	void publishTimeoutOfZeroOrOneNanosecondRefusesAtOnceWhenTheBufferIsFull(Duration timeout) throws Exception {
		EventBus bus = bus(1);
		fullBlockingSubscriber(bus, timeout);
		long start = System.nanoTime();
		assertThatThrownBy(() -> bus.publish("topic", "c")).isInstanceOfSatisfying(EventRejectedException.class,
				(ex) -> assertThat(ex.subscribers()).containsExactly("blocking"));
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
	}

	@ParameterizedTest(name = "publish-timeout {0}")
	@MethodSource("huge")
	void hugePublishTimeoutWaitsUntilThereIsRoom(Duration timeout) throws Exception {
		EventBus bus = bus(1);
		List<String> received = fullBlockingSubscriber(bus, timeout);
		CompletableFuture<PublishResult> publish = async(() -> bus.publish("topic", "c"));
		Thread.sleep(200);
		assertThat(publish).as("the publisher waits for room").isNotDone();
		this.release.countDown();
		assertThat(publish).succeedsWithin(Duration.ofSeconds(10))
			.satisfies((result) -> assertThat(result.queued()).isEqualTo(1));
		await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 3);
		assertThat(received).containsExactly("a", "b", "c");
	}

	// EventBus.awaitDrained

	@ParameterizedTest(name = "awaitDrained({0})")
	@MethodSource("huge")
	void awaitDrainedWithAHugeTimeoutOnAnIdleBusReturnsAtOnce(Duration timeout) throws Exception {
		EventBus bus = bus(1);
		bus.subscribe("topic", String.class, (event) -> {
		}, SubscriberOptions.named("idle"));
		bus.stopIntake();
		long start = System.nanoTime();
		assertThat(bus.awaitDrained(timeout)).isTrue();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
	}

	@ParameterizedTest(name = "awaitDrained({0})")
	@MethodSource("huge")
	void awaitDrainedWithAHugeTimeoutReturnsWhenTheLastEventIsDelivered(Duration timeout) throws Exception {
		EventBus bus = bus(1);
		List<String> received = new CopyOnWriteArrayList<>();
		CountDownLatch first = new CountDownLatch(1);
		bus.subscribe("topic", String.class, blockingOnFirst(received, first), SubscriberOptions.named("slow"));
		bus.publish("topic", "a");
		bus.publish("topic", "b");
		bus.stopIntake();
		releaseIn(Duration.ofMillis(200));
		assertThat(bus.awaitDrained(timeout)).isTrue();
		assertThat(received).containsExactly("a", "b");
	}

	@ParameterizedTest(name = "awaitDrained({0})")
	@MethodSource("noWait")
	void awaitDrainedWithZeroOrOneNanosecondAnswersAtOnce(Duration timeout) throws Exception {
		EventBus bus = bus(1);
		List<String> received = new CopyOnWriteArrayList<>();
		CountDownLatch first = new CountDownLatch(1);
		bus.subscribe("topic", String.class, blockingOnFirst(received, first), SubscriberOptions.named("slow"));
		bus.publish("topic", "a");
		bus.stopIntake();
		long start = System.nanoTime();
		assertThat(bus.awaitDrained(timeout)).isFalse();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
		this.release.countDown();
		await().atMost(Duration.ofSeconds(10)).until(() -> bus.awaitDrained(timeout));
	}

	@ParameterizedTest(name = "awaitDrained({0})")
	@MethodSource("negative")
	void awaitDrainedWithANegativeTimeoutAnswersAtOnceOrIsRefused(Duration timeout) throws Exception {
		EventBus bus = bus(1);
		List<String> received = new CopyOnWriteArrayList<>();
		CountDownLatch first = new CountDownLatch(1);
		bus.subscribe("topic", String.class, blockingOnFirst(received, first), SubscriberOptions.named("slow"));
		bus.publish("topic", "a");
		bus.stopIntake();
		worksOrIsRefused("timeout", () -> {
			long start = System.nanoTime();
			assertThat(bus.awaitDrained(timeout)).isFalse();
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
		});
	}

	// helpers

	private EventBus bus(int dispatchers) {
		EventBus bus = EventBus.create("extremes", dispatchers);
		this.buses.add(bus);
		return bus;
	}

	/**
	 * A handler that records each event and, on the first, signals and waits for
	 * {@link #release}.
	 */
	private Consumer<String> blockingOnFirst(List<String> received, CountDownLatch first) {
		return (event) -> {
			received.add(event);
			if (first.getCount() > 0) {
				first.countDown();
				try {
					this.release.await(20, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
		};
	}

	/**
	 * Subscribes a blocking subscriber with a buffer of one under {@code block}, and
	 * fills it: the first event is in its handler, the second waits in the buffer.
	 */
	private List<String> fullBlockingSubscriber(EventBus bus, Duration publishTimeout) throws Exception {
		List<String> received = new CopyOnWriteArrayList<>();
		CountDownLatch first = new CountDownLatch(1);
		bus.subscribe("topic", String.class, blockingOnFirst(received, first),
				SubscriberOptions.named("blocking")
					.withBuffer(1)
					.withOverflow(BufferOverflow.BLOCK)
					.withPublishTimeout(publishTimeout));
		bus.publish("topic", "a");
		await().atMost(Duration.ofSeconds(10)).until(() -> first.getCount() == 0);
		assertThat(bus.publish("topic", "b").queued()).isEqualTo(1);
		return received;
	}

	private void releaseIn(Duration delay) {
		async(() -> {
			Thread.sleep(delay.toMillis());
			this.release.countDown();
			return null;
		});
	}

	private static <T> CompletableFuture<T> async(Callable<T> call) {
		CompletableFuture<T> result = new CompletableFuture<>();
		Thread thread = new Thread(() -> {
			try {
				result.complete(call.call());
			}
			catch (Throwable ex) {
				result.completeExceptionally(ex);
			}
		}, "extreme-values-async");
		thread.setDaemon(true);
		thread.start();
		return result;
	}

	private static <T> T created(Callable<T> creation) {
		try {
			return creation.call();
		}
		catch (AssertionError ex) {
			throw ex;
		}
		catch (Throwable ex) {
			throw new AssertionError("Expected it to be created and work, but creating it threw " + ex, ex);
		}
	}

	private static void assertRefused(ThrowingCallable creation, String setting, String allowed) {
		assertThatIllegalArgumentException().isThrownBy(creation)
			.withMessageContaining(setting)
			.withMessageContaining(allowed);
	}

	private static void worksOrIsRefused(String setting, ThrowingRunnable theCase) {
		try {
			theCase.run();
		}
		catch (IllegalArgumentException ex) {
			assertThat(ex.getMessage()).as("message of the refusal")
				.contains(setting)
				.containsPattern("at least|at most|or more|zero or|between|positive");
		}
		catch (AssertionError ex) {
			throw ex;
		}
		catch (Throwable ex) {
			throw new AssertionError("Expected it to work or be refused naming '" + setting + "', but it threw " + ex,
					ex);
		}
	}

	@FunctionalInterface
	interface ThrowingRunnable {

		void run() throws Exception;

	}

}
