package dev.sluice.redis.eventbus;

import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The wire format: one stream entry per event, with the fields {@code type} (the logical
 * name from {@link EventTypes}), {@code data} (the event as JSON), {@code origin} (the
 * publishing instance), {@code ts} (publish time, epoch milliseconds) and, when the
 * publisher gave one, {@code event-id} (its id for the event, which handlers see instead
 * of the entry's id), and one field {@code h:<name>} per header of the event (the trace
 * context of an observed publish: {@code h:traceparent}, {@code h:tracestate},
 * {@code h:baggage}), which no other field name starts with; they count towards
 * max-event-size like any field. Dead letters carry the original fields and
 * {@code reason}, {@code id} (of the original entry), {@code instance} (that
 * dead-lettered it), and for a group {@code group} and {@code deliveries}; a dead letter
 * of an entry larger than max-event-size carries only why and where (the original fields
 * would make the dead-letter stream as large). An entry larger than max-event-size is
 * malformed. Thread-safe (the mapper is).
 */
final class Wire {

	static final String TYPE = "type";

	static final String DATA = "data";

	static final String ORIGIN = "origin";

	static final String TS = "ts";

	/** The publisher's own id for the event, when it gave one. */
	static final String EVENT_ID = "event-id";

	static final String REASON = "reason";

	static final String ID = "id";

	static final String INSTANCE = "instance";

	static final String GROUP = "group";

	static final String DELIVERIES = "deliveries";

	/** What the field of each of an event's headers starts with. */
	static final String HEADER = "h:";

	private final EventTypes types;

	private final JsonMapper mapper;

	private final String origin;

	private final long maxEventSize;

	Wire(EventTypes types, JsonMapper mapper, String origin, long maxEventSize) {
		this.types = types;
		this.mapper = mapper;
		this.origin = origin;
		this.maxEventSize = maxEventSize;
	}

	long maxEventSize() {
		return this.maxEventSize;
	}

	/**
	 * The entry's fields for the event.
	 * @throws IllegalArgumentException if its type is not registered or it cannot be
	 * written as JSON
	 */
	Map<String, String> encode(Object event) {
		return encode(event, null);
	}

	/**
	 * The entry's fields for the event, with the publisher's id for it if it gave one.
	 * @throws IllegalArgumentException if its type is not registered or it cannot be
	 * written as JSON
	 */
	Map<String, String> encode(Object event, @Nullable String eventId) {
		return encode(event, eventId, Map.of());
	}

	/**
	 * The entry's fields for the event, with the publisher's id for it if it gave one,
	 * and its headers.
	 * @throws IllegalArgumentException if its type is not registered or it cannot be
	 * written as JSON
	 */
	Map<String, String> encode(Object event, @Nullable String eventId, Map<String, String> headers) {
		String name = this.types.nameOf(event);
		String data;
		try {
			data = this.mapper.writeValueAsString(event);
		}
		catch (JacksonException ex) {
			throw new IllegalArgumentException("Event of type '" + name + "' (" + event.getClass().getName()
					+ ") could not be written as JSON: " + ex.getOriginalMessage(), ex);
		}
		Map<String, String> body = new LinkedHashMap<>(8 + headers.size() * 2);
		body.put(TYPE, name);
		body.put(DATA, data);
		body.put(ORIGIN, this.origin);
		body.put(TS, Long.toString(System.currentTimeMillis()));
		if (eventId != null) {
			body.put(EVENT_ID, eventId);
		}
		for (Map.Entry<String, String> header : headers.entrySet()) {
			body.put(HEADER + header.getKey(), header.getValue());
		}
		return body;
	}

	/**
	 * The size of an entry as this counts it against max-event-size: its field names and
	 * values, in UTF-8 bytes (Redis keeps a little more per entry).
	 */
	static long size(@Nullable Map<String, String> body) {
		if (body == null) {
			return 0;
		}
		long size = 0;
		for (Map.Entry<String, String> field : body.entrySet()) {
			size += utf8Length(field.getKey()) + utf8Length(field.getValue());
		}
		return size;
	}

	private static long utf8Length(@Nullable String text) {
		if (text == null) {
			return 0;
		}
		long length = 0;
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (c < 0x80) {
				length++;
			}
			else if (c < 0x800) {
				length += 2;
			}
			else if (Character.isHighSurrogate(c) && i + 1 < text.length()
					&& Character.isLowSurrogate(text.charAt(i + 1))) {
				length += 4;
				i++;
			}
			else {
				length += 3;
			}
		}
		return length;
	}

	/** The event of an entry, or why there is none; never throws. */
	Decoded decode(@Nullable Map<String, String> body) {
		if (body == null || body.isEmpty()) {
			return Decoded.malformed("entry has no fields");
		}
		long size = size(body);
		if (size > this.maxEventSize) {
			return Decoded.malformed(
					"entry is " + size + " bytes, more than max-event-size " + this.maxEventSize + " bytes", true);
		}
		String name = body.get(TYPE);
		if (name == null) {
			return Decoded.malformed("entry has no '" + TYPE + "' field");
		}
		String data = body.get(DATA);
		if (data == null) {
			return Decoded.malformed("entry has no '" + DATA + "' field");
		}
		Class<?> type = this.types.type(name).orElse(null);
		if (type == null) {
			return Decoded.malformed("unknown event type '" + name + "'; registered: " + this.types.describe());
		}
		Object event;
		try {
			event = this.mapper.readValue(data, type);
		}
		catch (JacksonException | IllegalArgumentException ex) {
			String message = (ex instanceof JacksonException jackson) ? jackson.getOriginalMessage() : ex.getMessage();
			return Decoded.malformed("bad JSON for event type '" + name + "': " + message);
		}
		if (event == null) {
			return Decoded.malformed("JSON null for event type '" + name + "'");
		}
		String eventId = body.get(EVENT_ID);
		return new Decoded(event, null, timestamp(body.get(TS)), false,
				(eventId != null && !eventId.isBlank()) ? eventId : null, headers(body));
	}

	/**
	 * The event's headers: the {@code h:} fields, without the prefix. A field without a
	 * name after it, or without a value, is left out: headers only help a trace along, so
	 * an odd one is not worth the event (the propagator ignores values it cannot read).
	 */
	static Map<String, String> headers(Map<String, String> body) {
		Map<String, String> headers = null;
		for (Map.Entry<String, String> field : body.entrySet()) {
			String key = field.getKey();
			if (key != null && key.length() > HEADER.length() && key.startsWith(HEADER) && field.getValue() != null) {
				if (headers == null) {
					headers = new LinkedHashMap<>();
				}
				headers.put(key.substring(HEADER.length()), field.getValue());
			}
		}
		return (headers != null) ? Map.copyOf(headers) : Map.of();
	}

	private static long timestamp(@Nullable String ts) {
		if (ts == null) {
			return 0;
		}
		try {
			return Long.parseLong(ts);
		}
		catch (NumberFormatException ex) {
			// only the delivery time depends on it: not worth dead-lettering the event
			// for
			return 0;
		}
	}

	/** The fields of a dead letter: the original ones, then why and where. */
	Map<String, String> deadLetter(String id, @Nullable Map<String, String> body, String reason, @Nullable String group,
			long deliveries) {
		Map<String, String> letter = new LinkedHashMap<>();
		if (body != null) {
			letter.putAll(body);
		}
		letter.put(REASON, reason);
		letter.put(ID, id);
		letter.put(INSTANCE, this.origin);
		if (group != null) {
			letter.put(GROUP, group);
			letter.put(DELIVERIES, Long.toString(deliveries));
		}
		return letter;
	}

	/**
	 * A decoded entry: its event, or the reason it has none; exactly one of the two is
	 * {@code null}.
	 *
	 * @param timestamp publish time in epoch milliseconds, 0 if unknown
	 * @param oversize whether the entry is larger than max-event-size (its dead letter
	 * leaves out the original fields)
	 * @param eventId the publisher's id for the event, {@code null} if it gave none
	 * @param headers the event's headers ({@code h:} fields), empty if none
	 */
	record Decoded(@Nullable Object event, @Nullable String malformed, long timestamp, boolean oversize,
			@Nullable String eventId, Map<String, String> headers) {

		/** The publisher's id for the event, else the entry's id. */
		String eventIdOr(String entryId) {
			return (this.eventId != null) ? this.eventId : entryId;
		}

		static Decoded malformed(String reason) {
			return malformed(reason, false);
		}

		static Decoded malformed(String reason, boolean oversize) {
			return new Decoded(null, reason, 0, oversize, null, Map.of());
		}
	}

}
