package dev.tokenwise.cache.semantic;

import java.time.Instant;
import tools.jackson.databind.JsonNode;

/** What a semantic lookup found. */
public sealed interface SemanticOutcome {

  /**
   * A stored answer to a question close enough, in the same context, that every guard let pass.
   *
   * @param entryId the semantic entry id (32 hex digits)
   * @param storedAt when the answer was stored
   * @param response the stored chat completion
   * @param similarity exact cosine similarity of the two questions
   * @param shadow whether the router should also ask the model and report agreement
   */
  record Hit(String entryId, Instant storedAt, JsonNode response, double similarity, boolean shadow)
      implements SemanticOutcome {}

  /** Nothing close enough, or the semantic cache does not apply to this request. */
  record Miss() implements SemanticOutcome {}

  /**
   * The request must not be answered from the semantic cache.
   *
   * @param reason {@code tools}, {@code temperature} or {@code time-sensitive}
   */
  record Bypass(String reason) implements SemanticOutcome {}
}
