package dev.sluice.autoconfigure.actuate;

/**
 * A component as {@code /actuator/sluice} shows it: the settings it runs with and its
 * live state, each one of the component's own records, written as JSON as they are.
 *
 * @param config the component's settings
 * @param state a snapshot of its live state and counters
 */
public record ComponentView(Object config, Object state) {
}
