/**
 * Configuration shared by every kind: settings bound in layers over their defaults, the
 * check for unknown {@code sluice.*} keys, and the exceptions start-up fails with.
 */
@NullMarked
package dev.sluice.autoconfigure.config;

import org.jspecify.annotations.NullMarked;
