package dev.sluice.autoconfigure.redis;

/** An event that crosses the wire in the tests. */
public record TestOrder(String id, int quantity) {
}
