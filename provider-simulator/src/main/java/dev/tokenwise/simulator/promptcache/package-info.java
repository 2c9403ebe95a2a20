/**
 * Provider prompt-cache emulation: which part of a prompt the provider would read from its cache.
 */
package dev.tokenwise.simulator.promptcache;
