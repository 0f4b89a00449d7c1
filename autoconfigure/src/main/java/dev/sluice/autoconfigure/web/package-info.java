/**
 * Problem responses (RFC 9457) for Sluice refusals in Spring MVC applications.
 */
@NullMarked
package dev.sluice.autoconfigure.web;

import org.jspecify.annotations.NullMarked;
