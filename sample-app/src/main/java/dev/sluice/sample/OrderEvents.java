package dev.sluice.sample;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.sluice.eventbus.EventBus;
import dev.sluice.eventbus.EventSubscriber;
import dev.sluice.eventbus.PublishResult;
import dev.sluice.eventbus.SubscriberStats;

import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Places orders and publishes an event for each to the {@code orders} topic; a fast
 * subscriber records every one, a deliberately slow one (a small buffer that drops the
 * oldest) falls behind, a third belongs to the group {@code fulfilment}, and
 * {@code /events} shows what each received and dropped. With the {@code redis} profile
 * the topic travels through Redis Streams: every instance's audit and mailer see every
 * order, and each order is fulfilled by one instance only.
 */
@RestController
class OrderEvents {

	private final EventBus bus;

	private final Subscribers subscribers;

	OrderEvents(EventBus bus, Subscribers subscribers) {
		this.bus = bus;
		this.subscribers = subscribers;
	}

	/** Places {@code count} orders starting at {@code id}, publishing one event each. */
	@PostMapping("/orders/{id}/place")
	Map<String, Object> place(@PathVariable int id, @RequestParam(defaultValue = "1") int count)
			throws InterruptedException {
		if (count < 1 || count > 10_000) {
			throw new IllegalArgumentException("count must be between 1 and 10000, was " + count);
		}
		int droppedOldest = 0;
		for (int i = 0; i < count; i++) {
			PublishResult result = this.bus.publish("orders", new OrderPlaced(id + i));
			droppedOldest += result.droppedOldest();
		}
		return Map.of("published", count, "droppedOldest", droppedOldest);
	}

	/**
	 * What each subscriber received in this instance, and the bus's accounting for it.
	 */
	@GetMapping("/events")
	Map<String, Object> events() {
		Map<String, List<Integer>> received = Map.of("audit", this.subscribers.audited, "mailer",
				this.subscribers.mailed, "fulfilment", this.subscribers.fulfilled);
		Map<String, Object> view = new LinkedHashMap<>();
		for (SubscriberStats stats : this.bus.stats()) {
			Map<String, Object> entry = new LinkedHashMap<>();
			entry.put("received", received.get(stats.name()).size());
			entry.put("offered", stats.offered());
			entry.put("delivered", stats.delivered());
			entry.put("dropped", stats.dropped());
			entry.put("queued", stats.queued());
			view.put(stats.name(), entry);
		}
		// a group member on Redis is served by the transport, not the bus's own buffers
		view.putIfAbsent("fulfilment", Map.of("received", this.subscribers.fulfilled.size()));
		return view;
	}

	/** An order was placed. */
	record OrderPlaced(int orderId) {
	}

	/** The two subscribers of the {@code orders} topic. */
	@Component
	static class Subscribers {

		final List<Integer> audited = new CopyOnWriteArrayList<>();

		final List<Integer> mailed = new CopyOnWriteArrayList<>();

		final List<Integer> fulfilled = new CopyOnWriteArrayList<>();

		/**
		 * Fast: records every order; its buffer makes publishers wait rather than lose
		 * one.
		 */
		@EventSubscriber(topic = "orders", name = "audit", overflow = "block")
		void audit(OrderPlaced event) {
			this.audited.add(event.orderId());
		}

		/**
		 * Slow: a mail takes 50ms; when it falls behind, the oldest waiting mails are
		 * dropped.
		 */
		@EventSubscriber(topic = "orders", name = "mailer")
		void mail(OrderPlaced event) throws InterruptedException {
			Thread.sleep(50);
			this.mailed.add(event.orderId());
		}

		/**
		 * One of a group: across instances sharing Redis, each order is fulfilled once.
		 */
		@EventSubscriber(topic = "orders", name = "fulfilment", group = "fulfilment", overflow = "block")
		void fulfil(OrderPlaced event) {
			this.fulfilled.add(event.orderId());
		}

	}

}
