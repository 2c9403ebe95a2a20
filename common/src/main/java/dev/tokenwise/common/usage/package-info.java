/** The usage event: the one record every answered request produces, and its transport names. */
package dev.tokenwise.common.usage;
