package dev.sluice.eventbus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

import dev.sluice.InvalidSettingException;
import dev.sluice.context.CapturedContext;
import dev.sluice.lifecycle.Drainable;
import dev.sluice.timeout.Deadline;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

/**
 * In-process publish/subscribe on named topics, bounded and observable: Go's event bus,
 * without its silent drops.
 *
 * <pre>{@code
 * Subscription audit = bus.subscribe("orders", OrderPlaced.class, auditor::record,
 *         SubscriberOptions.named("audit").withOverflow(BufferOverflow.BLOCK));
 * PublishResult result = bus.publish("orders", new OrderPlaced(id));
 * }</pre>
 *
 * <ul>
 * <li>Each subscriber has its own bounded buffer, so a slow subscriber never slows the
 * others. When its buffer is full, its own {@link BufferOverflow} policy decides: drop
 * the newest, drop the oldest, make the publisher wait up to a timeout, or fail the
 * publish. The publisher learns what happened from the {@link PublishResult}, or from an
 * {@link EventRejectedException}.</li>
 * <li>Subscribers do not own threads: a small fixed set of dispatcher threads (daemons)
 * drains the buffers (mailbox style), so ten thousand subscribers cost ten thousand
 * buffers, not threads. A handler that publishes is never made to wait: on a dispatcher
 * thread, {@code block} acts as {@code fail}, since the drain it would wait for may be
 * queued behind it.</li>
 * <li>Each subscriber receives one publisher's events in the order they were
 * published.</li>
 * <li>A subscriber whose handler throws is isolated: the failure is logged and counted,
 * and it keeps receiving; the others are not affected.</li>
 * <li>Every event offered to a subscriber is accounted for: at any moment
 * {@code offered == delivered + dropped + failed + queued}
 * ({@link SubscriberStats}).</li>
 * <li>A handler runs in the context its publisher had when it called {@code publish}: its
 * {@link Deadline} and, with Micrometer Context Propagation on the class path, every
 * registered thread-local, such as the MDC and the current observation
 * ({@link CapturedContext}); captured once per publish, kept with the event while it
 * waits, and taken away again after the handler. Nothing is kept for a publisher with
 * nothing to carry, nor for a bus created without propagation. Events that a transport
 * receives from other instances carry the context of the thread that receives them.</li>
 * <li>Observed, when {@linkplain Builder#observationRegistry given} a Micrometer
 * {@code ObservationRegistry}: an observation per publish and, as its child, one per
 * delivery to a subscriber ({@link EventBusObservation}); the publish's trace context
 * travels with the event in its {@linkplain Delivery#headers() headers}, across instances
 * too. Without a registry nothing is observed, no headers are made, and Micrometer
 * Observation need not be on the class path.</li>
 * <li>Shutdown: {@link #stopIntake()} makes publishing fail; {@link #awaitDrained} lets
 * the queued events be delivered; {@link #abandonRemaining()} discards the rest,
 * counted.</li>
 * </ul>
 *
 * <p>
 * Thread-safe. Publishing and subscribing may happen from any thread at any time.
 */
public final class EventBus implements Drainable, AutoCloseable {

	/** Most dispatcher threads a bus may have, as for a pool's workers. */
	public static final int MAX_DISPATCHERS = 32_767;

	private static final AtomicInteger BUSES = new AtomicInteger();

	private final String name;

	private final EventTransport transport;

	/** Decides when each publish goes out; {@code null}: at once. */
	private final @Nullable PublishInterceptor interceptor;

	private final ThreadPoolExecutor dispatcher;

	/** Whether handlers run in their publisher's context. */
	private final boolean propagateContext;

	/** Observes publishes and deliveries; {@code null}: nothing is observed. */
	private final @Nullable EventObserver observer;

	private final Map<String, Topic> topics = new ConcurrentHashMap<>();

	private volatile boolean closed;

	/**
	 * What event ids made here start with: random per bus, so unique across instances.
	 */
	private final String idPrefix = Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36) + "-";

	private final AtomicLong sequence = new AtomicLong();

	/**
	 * Hands events to this process's subscribers, with an id made here if they have none.
	 */
	private final EventTransport.LocalDelivery local = new EventTransport.LocalDelivery() {

		@Override
		public PublishResult deliver(String topic, Object event) throws InterruptedException {
			return EventBus.this.deliver(topic,
					new Delivery.Carried(event, EventBus.this.idPrefix, EventBus.this.sequence.incrementAndGet()));
		}

		@Override
		public PublishResult deliver(String topic, Object event, Delivery delivery) throws InterruptedException {
			return EventBus.this.deliver(topic, new Delivery.Carried(event, delivery));
		}

	};

	/**
	 * Publishes under way; a drain waits for them, so none can slip in behind a shutdown.
	 */
	private final AtomicInteger publishing = new AtomicInteger();

	private final List<SubscriberListener> listeners = new CopyOnWriteArrayList<>();

	/**
	 * Subscribers that left with events in hand (being delivered, or to be skipped): a
	 * drain waits for them and an abandon counts them, so that nothing settles behind a
	 * shutdown's back.
	 */
	private final Set<Subscriber> leaving = ConcurrentHashMap.newKeySet();

	private EventBus(String name, int dispatchers, EventTransport transport, boolean propagateContext,
			@Nullable PublishInterceptor interceptor, @Nullable EventObserver observer) {
		if (dispatchers < 1 || dispatchers > MAX_DISPATCHERS) {
			throw new InvalidSettingException("dispatchers", dispatchers,
					"dispatchers must be between 1 and " + MAX_DISPATCHERS + ", was " + dispatchers);
		}
		this.name = Objects.requireNonNull(name, "name");
		this.transport = Objects.requireNonNull(transport, "transport");
		this.propagateContext = propagateContext;
		this.interceptor = interceptor;
		this.observer = observer;
		AtomicInteger count = new AtomicInteger();
		String prefix = "sluice-" + name + "-";
		// the queue holds at most one drain task per subscriber, so it is bounded by the
		// subscribers
		this.dispatcher = new ThreadPoolExecutor(dispatchers, dispatchers, 0, TimeUnit.SECONDS,
				new LinkedBlockingQueue<>(),
				(task) -> new Subscriber.DispatcherThread(task, prefix + count.incrementAndGet()));
	}

	/**
	 * A builder of a bus of the given name: by default one dispatcher thread per
	 * processor, the in-process transport, context propagation on, no interceptor and no
	 * observations.
	 */
	public static Builder builder(String name) {
		return new Builder(name);
	}

	/** A bus with the given number of dispatcher threads, delivering in this process. */
	public static EventBus create(String name, int dispatchers) {
		return builder(name).dispatchers(dispatchers).build();
	}

	/** A bus with the given number of dispatcher threads and transport. */
	public static EventBus create(String name, int dispatchers, EventTransport transport) {
		return builder(name).dispatchers(dispatchers).transport(transport).build();
	}

	/**
	 * A bus with the given number of dispatcher threads and transport, whose handlers run
	 * in their publisher's context or, with {@code propagateContext} false, with nothing
	 * of it.
	 */
	public static EventBus create(String name, int dispatchers, EventTransport transport, boolean propagateContext) {
		return builder(name).dispatchers(dispatchers).transport(transport).propagateContext(propagateContext).build();
	}

	/**
	 * A bus with the given number of dispatcher threads and transport, whose publishes
	 * pass through the interceptor, which may hold them back (see
	 * {@link PublishInterceptor}).
	 */
	public static EventBus create(String name, int dispatchers, EventTransport transport,
			PublishInterceptor interceptor) {
		return builder(name).dispatchers(dispatchers).transport(transport).publishInterceptor(interceptor).build();
	}

	/**
	 * A bus with every choice made: its handlers run in their publisher's context unless
	 * {@code propagateContext} is false, and its publishes pass through the interceptor,
	 * if there is one.
	 */
	public static EventBus create(String name, int dispatchers, EventTransport transport, boolean propagateContext,
			@Nullable PublishInterceptor interceptor) {
		return builder(name).dispatchers(dispatchers)
			.transport(transport)
			.propagateContext(propagateContext)
			.publishInterceptor(interceptor)
			.build();
	}

	/** Whether handlers run in the context of their publisher. */
	public boolean propagatesContext() {
		return this.propagateContext;
	}

	/** Whether publishes and deliveries are observed (the bus was given a registry). */
	public boolean observes() {
		return this.observer != null;
	}

	/** A bus named {@code eventbus-N} with one dispatcher thread per processor. */
	public static EventBus create() {
		return create("eventbus-" + BUSES.incrementAndGet(), Runtime.getRuntime().availableProcessors());
	}

	@Override
	public String name() {
		return this.name;
	}

	/**
	 * Publishes an event to every subscriber of the topic whose type it is.
	 * @return what happened, subscriber by subscriber, added up; or
	 * {@link PublishResult#DEFERRED} if the bus's {@link PublishInterceptor} held the
	 * event back to publish it later
	 * @throws EventRejectedException if a subscriber under {@code fail} or {@code block}
	 * refused it (it was still queued for the others), or the bus is shut down
	 * @throws InterruptedException if the publisher was interrupted while it waited for
	 * room
	 */
	public PublishResult publish(String topic, Object event) throws InterruptedException {
		return publish(topic, event, null);
	}

	/**
	 * Publishes an event with the publisher's own id for it, which its handlers see as
	 * {@link Delivery#current()}'s id (with Redis, stored in the stream entry): a
	 * publisher that retries a publish whose outcome it does not know (one that timed out
	 * may still have been written) with the same id lets handlers recognise the
	 * duplicate. As {@link #publish(String, Object)} otherwise.
	 * @param eventId the event's id: not blank, unique to the event
	 */
	public PublishResult publish(String topic, Object event, @Nullable String eventId) throws InterruptedException {
		Objects.requireNonNull(topic, "topic");
		Objects.requireNonNull(event, "event");
		if (eventId != null && eventId.isBlank()) {
			throw new IllegalArgumentException("An event id must not be blank");
		}
		PublishInterceptor interceptor = this.interceptor;
		if (interceptor == null) {
			return send(topic, event, eventId);
		}
		if (this.closed) {
			// refused now, while the publisher can still hear it
			throw shutDown(topic);
		}
		return interceptor.intercept(topic, event, () -> send(topic, event, eventId));
	}

	private PublishResult send(String topic, Object event, @Nullable String eventId) throws InterruptedException {
		this.publishing.incrementAndGet();
		try {
			if (this.closed) {
				throw shutDown(topic);
			}
			EventObserver observer = this.observer;
			if (observer != null) {
				return observer.publish(topic, event, eventId,
						(headers, publish) -> sendObserved(topic, event, eventId, headers, publish));
			}
			if (eventId == null) {
				return this.transport.send(topic, event, this.local);
			}
			Delivery delivery = new Delivery(eventId, 1);
			return this.transport.send(topic, event, eventId, (t, e) -> deliver(t, new Delivery.Carried(e, delivery)));
		}
		finally {
			this.publishing.decrementAndGet();
		}
	}

	/**
	 * Sends an observed publish: the headers go with the event, and in this process the
	 * publish's observation goes with it to every subscriber, as their deliveries'
	 * parent.
	 */
	private PublishResult sendObserved(String topic, Object event, @Nullable String eventId,
			Map<String, String> headers, @Nullable Object publish) throws InterruptedException {
		if (publish == null) {
			// not observed after all (a predicate turned it off): the headers are empty
			return (eventId != null)
					? this.transport.send(topic, event, eventId, headers,
							(t, e) -> deliver(t, new Delivery.Carried(e, new Delivery(eventId, 1))))
					: this.transport.send(topic, event, null, headers, this.local);
		}
		EventTransport.LocalDelivery local = new EventTransport.LocalDelivery() {

			@Override
			public PublishResult deliver(String t, Object e) throws InterruptedException {
				Delivery.Carried carried = (eventId != null)
						? new Delivery.Observed(e, new Delivery(eventId, 1, headers), publish) : new Delivery.Observed(
								e, EventBus.this.idPrefix, EventBus.this.sequence.incrementAndGet(), headers, publish);
				return EventBus.this.deliver(t, carried);
			}

			@Override
			public PublishResult deliver(String t, Object e, Delivery delivery) throws InterruptedException {
				// from elsewhere: its headers carry the trace
				return EventBus.this.deliver(t, new Delivery.Carried(e, delivery));
			}

		};
		return this.transport.send(topic, event, eventId, headers, local);
	}

	private EventRejectedException shutDown(String topic) {
		return new EventRejectedException(topic, List.of(),
				"Event bus '" + this.name + "' is shut down and accepts no events");
	}

	/**
	 * Offers an event to this process's subscribers. Without an id of its own, its id is
	 * this bus's prefix and a count, made only if a handler asks for it.
	 */
	private PublishResult deliver(String topicName, Delivery.Carried carried) throws InterruptedException {
		Object event = carried.event();
		Topic topic = this.topics.get(topicName);
		if (topic == null) {
			return new PublishResult(0, 0, 0, 0);
		}
		topic.published.increment();
		long stamp = System.nanoTime();
		// captured once for every subscriber, and only kept if there is something in it
		CapturedContext context = this.propagateContext ? CapturedContext.capture() : null;
		if (context != null && context.isEmpty()) {
			context = null;
		}
		int subscribers = 0;
		int queued = 0;
		int droppedNewest = 0;
		int droppedOldest = 0;
		List<String> refused = null;
		for (Subscriber subscriber : topic.subscribers) {
			if (!subscriber.type.isInstance(event)) {
				continue;
			}
			switch (subscriber.offer(carried, stamp, context)) {
				case QUEUED -> {
					subscribers++;
					queued++;
				}
				case DROPPED_OLDEST -> {
					subscribers++;
					queued++;
					droppedOldest++;
				}
				case DROPPED_NEWEST -> {
					subscribers++;
					droppedNewest++;
				}
				case REJECTED -> {
					subscribers++;
					if (refused == null) {
						refused = new ArrayList<>();
					}
					refused.add(subscriber.options.name());
				}
				case NOT_SUBSCRIBED -> {
				}
			}
		}
		if (refused != null) {
			throw new EventRejectedException(topicName, refused,
					"Subscribers " + refused + " of topic '" + topicName
							+ "' refused the event: their buffers were full; it was queued for " + queued + " of "
							+ subscribers);
		}
		return new PublishResult(subscribers, queued, droppedNewest, droppedOldest);
	}

	/**
	 * Subscribes a handler to the events of the topic that are of the given type.
	 * @throws IllegalArgumentException if the topic already has a subscriber of that name
	 * @throws IllegalStateException if the bus is shut down
	 */
	public <E> Subscription subscribe(String topic, Class<E> type, Consumer<? super E> handler,
			SubscriberOptions options) {
		Objects.requireNonNull(topic, "topic");
		Objects.requireNonNull(type, "type");
		Objects.requireNonNull(handler, "handler");
		Objects.requireNonNull(options, "options");
		if (this.closed) {
			throw new IllegalStateException("Event bus '" + this.name + "' is shut down");
		}
		if (options.group() != null) {
			Subscription member = this.transport.subscribeGroup(topic, type, observedMember(topic, handler, options),
					options);
			if (member != null) {
				return member;
			}
		}
		Subscriber subscriber = new Subscriber(topic, options, type, handler, this.dispatcher, this.observer);
		Topic found = this.topics.computeIfAbsent(topic, Topic::new);
		synchronized (found) {
			if (!found.opened) {
				this.transport.open(topic, this.local);
				found.opened = true;
			}
			// under the topic's monitor, so that a name freed by an unsubscribe is only
			// reused after
			// the listeners have heard of the unsubscribe
			found.add(subscriber);
			this.listeners.forEach((listener) -> listener.added(subscriber));
		}
		return new Handle(this, found, subscriber);
	}

	/**
	 * The handler of a member of a group that the transport serves (on a thread of its
	 * own), observed if the bus observes: the delivery's headers are the transport's
	 * ({@link Delivery#current()}).
	 */
	@SuppressWarnings("unchecked")
	private <E> Consumer<? super E> observedMember(String topic, Consumer<? super E> handler,
			SubscriberOptions options) {
		EventObserver observer = this.observer;
		if (observer == null) {
			return handler;
		}
		Consumer<Object> plain = (Consumer<Object>) handler;
		return (event) -> {
			Delivery delivery = Delivery.current();
			observer.deliver(topic, options.name(), event, (delivery != null) ? delivery.headers() : Map.of(), null,
					plain);
		};
	}

	/** Subscribes with the default options, under a name made from the type. */
	public <E> Subscription subscribe(String topic, Class<E> type, Consumer<? super E> handler) {
		return subscribe(topic, type, handler,
				SubscriberOptions.named(type.getSimpleName() + "-" + System.identityHashCode(handler)));
	}

	/** The topics that have, or had, subscribers. */
	public Set<String> topics() {
		return Set.copyOf(this.topics.keySet());
	}

	/** How many events were published to the topic while it had subscribers. */
	public long published(String topic) {
		Topic found = this.topics.get(topic);
		return (found != null) ? found.published.sum() : 0;
	}

	/** Every current subscriber's counters, by topic. */
	public List<SubscriberStats> stats() {
		List<SubscriberStats> stats = new ArrayList<>();
		for (Topic topic : this.topics.values()) {
			for (Subscriber subscriber : topic.subscribers) {
				stats.add(subscriber.stats());
			}
		}
		return stats;
	}

	/** How many dispatcher threads deliver events. */
	public int dispatchers() {
		return this.dispatcher.getCorePoolSize();
	}

	/**
	 * Refuses later publishes with an {@link EventRejectedException}; queued events are
	 * still delivered.
	 */
	@Override
	public void stopIntake() {
		this.closed = true;
		this.transport.stopIntake();
	}

	/**
	 * Waits until every queued event has been delivered, or the timeout passes (or the
	 * {@link dev.sluice.timeout.Deadline} of the work it runs in); events in hand of
	 * subscribers that have left count too.
	 */
	@Override
	public boolean awaitDrained(Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + Math.max(0, Deadline.cap(timeout));
		if (!this.transport.awaitDrained(timeout)) {
			return false;
		}
		while (this.publishing.get() > 0 || !allIdle()) {
			long left = deadline - System.nanoTime();
			if (left <= 0) {
				return false;
			}
			Thread.sleep(Math.max(1, Math.min(10, TimeUnit.NANOSECONDS.toMillis(left))));
		}
		return true;
	}

	private boolean allIdle() {
		for (Topic topic : this.topics.values()) {
			for (Subscriber subscriber : topic.subscribers) {
				if (!subscriber.idle()) {
					return false;
				}
			}
		}
		this.leaving.removeIf(Subscriber::idle);
		return this.leaving.isEmpty();
	}

	/**
	 * Discards every event still queued (each counted as discarded) and stops the
	 * dispatchers. Returns how many events will not be delivered (an upper bound: one
	 * being delivered at this moment per subscriber may still arrive); calls after the
	 * first count nothing.
	 */
	@Override
	public int abandonRemaining() {
		this.closed = true;
		this.transport.stopIntake();
		long abandoned = this.transport.abandonRemaining();
		for (Topic topic : this.topics.values()) {
			for (Subscriber subscriber : topic.subscribers) {
				abandoned += subscriber.abandon();
			}
		}
		for (Subscriber subscriber : this.leaving) {
			abandoned += subscriber.abandon();
		}
		this.dispatcher.shutdownNow();
		return (int) Math.min(Integer.MAX_VALUE, abandoned);
	}

	/**
	 * Stops intake, delivers what is queued (waiting up to 30 seconds), then discards the
	 * rest.
	 */
	@Override
	public void close() {
		stopIntake();
		try {
			if (!awaitDrained(Duration.ofSeconds(30))) {
				abandonRemaining();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			abandonRemaining();
		}
		this.dispatcher.shutdown();
	}

	@Override
	public String toString() {
		return "EventBus[" + this.name + ", " + this.topics.size() + " topics]";
	}

	/**
	 * Makes an {@link EventBus}: its name, dispatchers, transport, context propagation,
	 * publish interceptor and observations. Every setting but the name has a default. Not
	 * thread-safe.
	 */
	public static final class Builder {

		private final String name;

		private int dispatchers = Runtime.getRuntime().availableProcessors();

		private EventTransport transport = EventTransport.inMemory();

		private boolean propagateContext = true;

		private @Nullable PublishInterceptor interceptor;

		private @Nullable ObservationRegistry observationRegistry;

		private @Nullable EventPublishObservationConvention publishConvention;

		private @Nullable EventDeliveryObservationConvention deliveryConvention;

		private Builder(String name) {
			this.name = Objects.requireNonNull(name, "name");
		}

		/**
		 * How many dispatcher threads deliver events, 1 to {@link #MAX_DISPATCHERS};
		 * default one per processor.
		 */
		public Builder dispatchers(int dispatchers) {
			this.dispatchers = dispatchers;
			return this;
		}

		/** What carries events; default {@link EventTransport#inMemory()}. */
		public Builder transport(EventTransport transport) {
			this.transport = Objects.requireNonNull(transport, "transport");
			return this;
		}

		/**
		 * Whether handlers run in their publisher's context ({@link CapturedContext});
		 * default true.
		 */
		public Builder propagateContext(boolean propagateContext) {
			this.propagateContext = propagateContext;
			return this;
		}

		/** The hook every publish passes through; default none. */
		public Builder publishInterceptor(@Nullable PublishInterceptor interceptor) {
			this.interceptor = interceptor;
			return this;
		}

		/**
		 * Observes publishes and deliveries in this registry
		 * ({@link EventBusObservation}); default none. {@code null} or
		 * {@link ObservationRegistry#NOOP} observes nothing and costs nothing per
		 * publish.
		 */
		public Builder observationRegistry(@Nullable ObservationRegistry registry) {
			this.observationRegistry = registry;
			return this;
		}

		/**
		 * Names and tags publishes' observations; default
		 * {@link DefaultEventPublishObservationConvention} (a convention registered
		 * globally with the registry still takes precedence, as Micrometer has it).
		 */
		public Builder publishObservationConvention(@Nullable EventPublishObservationConvention convention) {
			this.publishConvention = convention;
			return this;
		}

		/**
		 * Names and tags deliveries' observations; default
		 * {@link DefaultEventDeliveryObservationConvention}.
		 */
		public Builder deliveryObservationConvention(@Nullable EventDeliveryObservationConvention convention) {
			this.deliveryConvention = convention;
			return this;
		}

		/**
		 * The bus, with its dispatcher threads ready.
		 * @throws InvalidSettingException if dispatchers is out of range
		 */
		public EventBus build() {
			ObservationRegistry registry = this.observationRegistry;
			EventObserver observer = (registry != null && !registry.isNoop())
					? new MicrometerEventObserver(this.name, registry, this.publishConvention, this.deliveryConvention)
					: null;
			return new EventBus(this.name, this.dispatchers, this.transport, this.propagateContext, this.interceptor,
					observer);
		}

	}

	/**
	 * A topic: its subscribers as a copy-on-write array, read without a lock by
	 * publishers.
	 */
	private static final class Topic {

		final String name;

		final LongAdder published = new LongAdder();

		volatile Subscriber[] subscribers = new Subscriber[0];

		/**
		 * Whether the transport was told of the topic; guarded by the topic's monitor.
		 */
		boolean opened;

		Topic(String name) {
			this.name = name;
		}

		synchronized void add(Subscriber subscriber) {
			for (Subscriber existing : this.subscribers) {
				if (existing.options.name().equals(subscriber.options.name())) {
					throw new IllegalArgumentException("Topic '" + this.name + "' already has a subscriber named '"
							+ subscriber.options.name() + "'");
				}
			}
			Subscriber[] grown = Arrays.copyOf(this.subscribers, this.subscribers.length + 1);
			grown[grown.length - 1] = subscriber;
			this.subscribers = grown;
		}

		synchronized boolean has(Subscriber subscriber) {
			return Arrays.asList(this.subscribers).contains(subscriber);
		}

		synchronized boolean remove(Subscriber subscriber) {
			List<Subscriber> kept = new ArrayList<>(Arrays.asList(this.subscribers));
			boolean removed = kept.remove(subscriber);
			this.subscribers = kept.toArray(new Subscriber[0]);
			return removed;
		}

	}

	/**
	 * Tells the listener of every subscriber now and later, and of every one that leaves.
	 */
	void listen(SubscriberListener listener) {
		this.listeners.add(listener);
		for (Topic topic : this.topics.values()) {
			for (Subscriber subscriber : topic.subscribers) {
				listener.added(subscriber);
			}
		}
	}

	/** Hears subscribers come and go, for metrics. */
	interface SubscriberListener {

		void added(Subscriber subscriber);

		void removed(Subscriber subscriber);

	}

	/** The subscription handed to a subscriber. */
	private static final class Handle implements Subscription {

		private final EventBus bus;

		private final Topic topic;

		private final Subscriber subscriber;

		Handle(EventBus bus, Topic topic, Subscriber subscriber) {
			this.bus = bus;
			this.topic = topic;
			this.subscriber = subscriber;
		}

		@Override
		public String topic() {
			return this.topic.name;
		}

		@Override
		public String name() {
			return this.subscriber.options.name();
		}

		@Override
		public SubscriberStats stats() {
			return this.subscriber.stats();
		}

		@Override
		public void close() {
			synchronized (this.topic) {
				// counted as leaving before it stops being a subscriber, so a drain never
				// misses it
				if (!this.topic.has(this.subscriber)) {
					return;
				}
				this.subscriber.onSettled = () -> this.bus.leaving.remove(this.subscriber);
				this.bus.leaving.add(this.subscriber);
				this.topic.remove(this.subscriber);
				this.bus.listeners.forEach((listener) -> listener.removed(this.subscriber));
			}
			this.subscriber.close();
			if (this.subscriber.idle()) {
				// nothing new can arrive; otherwise the drain task forgets it once its
				// events settle
				this.bus.leaving.remove(this.subscriber);
			}
		}

	}

}
