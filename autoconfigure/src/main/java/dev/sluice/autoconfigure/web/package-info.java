/**
 * Problem responses (RFC 9457) and the IETF {@code RateLimit} fields for Sluice refusals
 * and guarded handlers in Spring MVC and WebFlux applications.
 */
@NullMarked
package dev.sluice.autoconfigure.web;

import org.jspecify.annotations.NullMarked;
