package dev.tokenwise.cache.exact;

import java.time.Instant;
import tools.jackson.databind.JsonNode;

/** What an exact lookup found. */
public sealed interface LookupOutcome {

  /**
   * A stored answer to the same request in the same namespace.
   *
   * @param entryId the request's fingerprint
   * @param storedAt when the answer was stored
   * @param response the stored chat completion
   */
  record Hit(String entryId, Instant storedAt, JsonNode response) implements LookupOutcome {}

  /**
   * No answer, or Redis did not answer in time.
   *
   * @param entryId the request's fingerprint, the key it missed (null when none was computed)
   */
  record Miss(String entryId) implements LookupOutcome {}
}
