package dev.tokenwise.batch.provider;

import tools.jackson.databind.JsonNode;

/**
 * One result of a provider batch, in provider-neutral terms.
 *
 * @param customId the line's {@code custom_id}
 * @param outcome how the request ended
 * @param body the provider's response body (a chat completion or a message) when it succeeded
 * @param reason why it did not, for the client
 * @param retryable whether sending it again can succeed (expired, canceled, 5xx, 429)
 */
public record ResultLine(
    String customId, Outcome outcome, JsonNode body, String reason, boolean retryable) {

  /** How one request of a batch ended. */
  public enum Outcome {
    SUCCEEDED,
    ERRORED,
    EXPIRED,
    CANCELED
  }
}
