/**
 * Prompt shaping for provider prompt caches: the cache-busting lint and its fix, OpenAI cache keys,
 * Anthropic breakpoints.
 */
package dev.tokenwise.router.promptcache;
