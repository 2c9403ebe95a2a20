package dev.tokenwise.cache.exact;

import java.time.Duration;

/** What became of a store request. */
public sealed interface StoreOutcome {

  /**
   * The answer is cached.
   *
   * @param entryId the request's fingerprint
   * @param ttl how long it is kept
   */
  record Stored(String entryId, Duration ttl) implements StoreOutcome {}

  /**
   * The answer must not be cached (an error, a truncated or unusable completion).
   *
   * @param reason why, for the caller
   */
  record NotCacheable(String reason) implements StoreOutcome {}

  /**
   * The answer is larger than {@code tokenwise.cache.exact.max-entry-size}.
   *
   * @param sizeBytes its serialised size
   * @param maxBytes the limit
   */
  record TooLarge(long sizeBytes, long maxBytes) implements StoreOutcome {}

  /** Redis did not take the answer in time; nothing is cached and the caller goes on without. */
  record Dropped() implements StoreOutcome {}
}
