package dev.sluice.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class ChannelTest {

	private static final Duration SHORT = Duration.ofMillis(50);

	private static final Duration LONG = Duration.ofSeconds(10);

	@Test
	void itemsArriveInTheOrderTheyWereSent() throws Exception {
		Channel<Integer> channel = Channel.bounded(3);
		channel.send(1, LONG);
		channel.send(2, LONG);
		assertThat(channel.trySend(3)).isTrue();
		assertThat(channel.trySend(4)).isFalse();
		assertThat(channel.receive(LONG)).contains(1);
		assertThat(channel.receive(LONG)).contains(2);
		assertThat(channel.receive(LONG)).contains(3);
	}

	@Test
	void sendAndReceiveTimeOut() {
		Channel<Integer> channel = Channel.bounded(1);
		assertThatThrownBy(() -> channel.receive(SHORT)).isInstanceOf(TimeoutException.class);
		assertThat(channel.trySend(1)).isTrue();
		assertThatThrownBy(() -> channel.send(2, SHORT)).isInstanceOf(TimeoutException.class)
			.hasMessageContaining("stayed full");
	}

	@Test
	void afterCloseReceiversDrainWhatIsLeftThenSeeTheEnd() throws Exception {
		Channel<String> channel = Channel.bounded(4);
		channel.send("a", LONG);
		channel.send("b", LONG);
		channel.close();
		assertThatThrownBy(() -> channel.send("c", LONG)).isInstanceOf(ChannelClosedException.class);
		assertThat(channel.receive(LONG)).contains("a");
		assertThat(channel.receive(LONG)).contains("b");
		assertThat(channel.receive(LONG)).isEmpty();
		assertThat(channel.receive(LONG)).isEmpty();
		channel.close();
	}

	@Test
	void closeWakesWaitingSendersAndReceivers() throws Exception {
		Channel<String> full = Channel.bounded(1);
		full.send("x", LONG);
		AtomicReference<Throwable> sender = new AtomicReference<>();
		Thread send = new Thread(() -> {
			try {
				full.send("y", LONG);
			}
			catch (Throwable ex) {
				sender.set(ex);
			}
		});
		Channel<String> empty = Channel.bounded(1);
		AtomicReference<Optional<String>> received = new AtomicReference<>();
		Thread receive = new Thread(() -> {
			try {
				received.set(empty.receive(LONG));
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		});
		send.start();
		receive.start();
		await().until(() -> send.getState() == Thread.State.TIMED_WAITING
				&& receive.getState() == Thread.State.TIMED_WAITING);
		full.close();
		empty.close();
		send.join(10_000);
		receive.join(10_000);
		assertThat(sender.get()).isInstanceOf(ChannelClosedException.class);
		assertThat(received.get()).isEmpty();
	}

	@Test
	void anInterruptedReceiverGivesUp() throws Exception {
		Channel<String> channel = Channel.bounded(1);
		AtomicReference<Throwable> thrown = new AtomicReference<>();
		Thread receiver = new Thread(() -> {
			try {
				channel.receive(LONG);
			}
			catch (Throwable ex) {
				thrown.set(ex);
			}
		});
		receiver.start();
		await().until(() -> receiver.getState() == Thread.State.TIMED_WAITING);
		receiver.interrupt();
		receiver.join(10_000);
		assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
	}

	@Test
	void iterationTakesItemsUntilTheChannelEnds() throws Exception {
		Channel<Integer> channel = Channel.bounded(2);
		Thread producer = new Thread(() -> {
			try {
				for (int i = 0; i < 100; i++) {
					channel.send(i, LONG);
				}
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
			finally {
				channel.close();
			}
		});
		producer.start();
		List<Integer> received = new ArrayList<>();
		for (int item : channel) {
			received.add(item);
		}
		assertThat(received).hasSize(100).isSorted();
	}

	@Test
	void fanOutGivesEachItemToExactlyOneReceiver() throws Exception {
		Channel<Integer> channel = Channel.bounded(16);
		Set<Integer> received = ConcurrentHashMap.newKeySet();
		List<Integer> duplicates = new java.util.concurrent.CopyOnWriteArrayList<>();
		List<Thread> workers = new ArrayList<>();
		for (int w = 0; w < 4; w++) {
			Thread worker = new Thread(() -> {
				for (int item : channel) {
					if (!received.add(item)) {
						duplicates.add(item);
					}
				}
			});
			workers.add(worker);
			worker.start();
		}
		for (int i = 0; i < 10_000; i++) {
			channel.send(i, LONG);
		}
		channel.close();
		for (Thread worker : workers) {
			worker.join(10_000);
		}
		assertThat(received).hasSize(10_000);
		assertThat(duplicates).isEmpty();
	}

	@Test
	void mergeDeliversEveryItemExactlyOnceAndKeepsEachInputsOrder() throws Exception {
		List<Channel<String>> inputs = List.of(Channel.bounded(8), Channel.bounded(8), Channel.bounded(8));
		for (int c = 0; c < inputs.size(); c++) {
			Channel<String> input = inputs.get(c);
			int source = c;
			new Thread(() -> {
				try {
					for (int i = 0; i < 1000; i++) {
						input.send(source + ":" + i, LONG);
					}
				}
				catch (Exception ex) {
					throw new IllegalStateException(ex);
				}
				finally {
					input.close();
				}
			}).start();
		}
		@SuppressWarnings("unchecked")
		Channel<String> merged = Channel.merge(16, inputs.toArray(new Channel[0]));
		List<String> received = new ArrayList<>();
		for (String item : merged) {
			received.add(item);
		}
		assertThat(received).hasSize(3000);
		assertThat(new HashSet<>(received)).hasSize(3000);
		for (int c = 0; c < 3; c++) {
			String prefix = c + ":";
			List<Integer> order = received.stream()
				.filter((item) -> item.startsWith(prefix))
				.map((item) -> Integer.parseInt(item.substring(prefix.length())))
				.toList();
			assertThat(order).isSorted().hasSize(1000);
		}
	}

	@Test
	void invalidUseIsRefused() {
		assertThatThrownBy(() -> Channel.bounded(0)).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> Channel.<String>bounded(1).send(null, LONG)).isInstanceOf(NullPointerException.class);
	}

	@Test
	void aBatchWithANullSendsNothingAndLeavesNoReceiverWaitingForWhatArrived() throws Exception {
		Channel<Integer> channel = Channel.bounded(10);
		AtomicReference<List<Integer>> received = new AtomicReference<>();
		Thread receiver = new Thread(() -> {
			try {
				received.set(channel.receiveAtMost(10));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		receiver.start();
		await().until(() -> receiver.getState() == Thread.State.WAITING);
		assertThatThrownBy(() -> channel.sendAll(Arrays.asList(1, 2, null, 4)))
			.isInstanceOf(NullPointerException.class);
		assertThat(channel.size()).as("items sent before the null").isZero();
		channel.sendAll(List.of(5));
		receiver.join(10_000);
		assertThat(received.get()).containsExactly(5);
	}

}
