/**
 * The event bus between instances, on Redis Streams:
 * {@link dev.sluice.redis.eventbus.RedisEventTransport} takes the place of the in-process
 * transport of an {@link dev.sluice.eventbus.EventBus}, so that plain subscribers on
 * every instance see every event (broadcast) and the members of a group share each event
 * among themselves (competing consumers, at least once). Events travel as JSON, and only
 * the types named in {@link dev.sluice.redis.eventbus.EventTypes} do.
 */
@NullMarked
package dev.sluice.redis.eventbus;

import org.jspecify.annotations.NullMarked;
