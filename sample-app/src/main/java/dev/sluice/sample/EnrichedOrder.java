package dev.sluice.sample;

/** An order with what three lookups found about it. */
record EnrichedOrder(int id, String customer, int inStock, String shipping) {
}
