/**
 * What every part of Sluice shares: the exception a setting out of range is refused with.
 */
@NullMarked
package dev.sluice;

import org.jspecify.annotations.NullMarked;
