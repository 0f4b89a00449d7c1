package dev.sluice.eventbus;

import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.docs.ObservationDocumentation;

/**
 * The observations of an {@link EventBus} given an {@code ObservationRegistry}
 * ({@link EventBus.Builder#observationRegistry}): one per publish and, as its child, one
 * per delivery to a subscriber. With Micrometer Tracing they are a producer span and a
 * consumer span per subscriber; with a meter handler, timers of the same names.
 */
public enum EventBusObservation implements ObservationDocumentation {

	/**
	 * A publish, from the call to {@link EventBus#publish} until the transport took the
	 * event (in process: until every subscriber's buffer had it). Its context is an
	 * {@link EventPublishContext}, a sender context whose carrier is the event's headers:
	 * a tracing handler writes the trace context there, and it travels with the event.
	 */
	PUBLISH {
		@Override
		public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
			return DefaultEventPublishObservationConvention.class;
		}

		@Override
		public KeyName[] getLowCardinalityKeyNames() {
			return new KeyName[] { LowCardinalityKeyNames.EVENT_BUS, LowCardinalityKeyNames.TOPIC,
					LowCardinalityKeyNames.OUTCOME };
		}
	},

	/**
	 * One subscriber's handling of one event, on the thread that runs its handler. Its
	 * context is an {@link EventDeliveryContext}, a receiver context whose carrier is the
	 * event's headers, so that the delivery continues the publisher's trace, on another
	 * instance too (Redis). In process its parent is the publish's observation.
	 */
	DELIVERY {
		@Override
		public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
			return DefaultEventDeliveryObservationConvention.class;
		}

		@Override
		public KeyName[] getLowCardinalityKeyNames() {
			return LowCardinalityKeyNames.values();
		}
	};

	/** The tags of both observations; a publish has no subscriber. */
	public enum LowCardinalityKeyNames implements KeyName {

		/** The bus's name. */
		EVENT_BUS("sluice.event-bus"),

		/** The topic. */
		TOPIC("sluice.topic"),

		/**
		 * How it ended: {@code success}, {@code error}, or for a publish {@code refused}.
		 */
		OUTCOME("outcome"),

		/** The subscriber's name (deliveries only). */
		SUBSCRIBER("sluice.subscriber");

		private final String key;

		LowCardinalityKeyNames(String key) {
			this.key = key;
		}

		@Override
		public String asString() {
			return this.key;
		}

	}

}
