package dev.sluice.redis.eventbus;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What this instance knows of one topic that goes through Redis: its stream keys, its
 * counters and the groups it has members in. Counters are {@link LongAdder}s, written by
 * any thread; the groups set only grows (a group's counters outlive its members, for
 * metrics).
 */
final class TopicState {

	final String topic;

	final String key;

	final String deadKey;

	/**
	 * Lossless broadcast: each live reader's last id, by instance id (a hash), and when
	 * each stops counting as alive (a sorted set scored by Redis time in milliseconds).
	 */
	final String readersKey;

	final String aliveKey;

	/**
	 * Whether this instance's broadcast reader has registered its position (lossless
	 * broadcast), so that the trimmer says it is alive; set once, by the reader.
	 */
	volatile boolean registered;

	/** Events this instance put in the stream. */
	final LongAdder published = new LongAdder();

	/** Events the broadcast reader handed to the local subscribers. */
	final LongAdder received = new LongAdder();

	/**
	 * Entries the broadcast reader never read because they were trimmed first: its
	 * subscribers never saw them.
	 */
	final LongAdder missed = new LongAdder();

	/** Entries that were not an event of a registered type, by reader or group member. */
	final LongAdder malformed = new LongAdder();

	/**
	 * Dead letters this instance wrote for the topic (broadcast reader and group
	 * members).
	 */
	final LongAdder deadLettered = new LongAdder();

	/**
	 * Trim passes that stopped short of max-length because some group still needs the
	 * entries.
	 */
	final LongAdder trimHeld = new LongAdder();

	/** Entries the trimmer removed. */
	final LongAdder trimmed = new LongAdder();

	final Set<GroupState> groups = ConcurrentHashMap.newKeySet();

	TopicState(String topic, String prefix) {
		this.topic = topic;
		this.key = prefix + "events:" + topic;
		this.deadKey = this.key + ":dead";
		this.readersKey = this.key + ":readers";
		this.aliveKey = this.readersKey + ":alive";
	}

}
