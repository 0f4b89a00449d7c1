/**
 * Sluice's own plumbing, shared between its packages. Not API: these types may change or
 * go away in any release, and nothing outside Sluice should use them.
 */
@NullMarked
package dev.sluice.internal;

import org.jspecify.annotations.NullMarked;
