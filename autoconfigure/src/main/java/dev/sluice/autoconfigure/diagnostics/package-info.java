/**
 * Failure analyzers that explain, at start-up, a setting Sluice refused, an unknown key
 * or a bean that shadows a component.
 */
@NullMarked
package dev.sluice.autoconfigure.diagnostics;

import org.jspecify.annotations.NullMarked;
