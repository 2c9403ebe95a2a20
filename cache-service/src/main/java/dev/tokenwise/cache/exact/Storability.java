package dev.tokenwise.cache.exact;

import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * Decides whether a provider answer may be cached: only complete, successful chat completions are;
 * serving a cached error or a truncated answer would repeat a failure to every later caller.
 */
final class Storability {

  private Storability() {}

  /** Why {@code response} must not be cached, or empty when it may be. */
  static Optional<String> refusal(JsonNode response) {
    if (response == null || !response.isObject()) {
      return Optional.of("response is not a JSON object");
    }
    if (response.has("error")) {
      return Optional.of("response is an error body");
    }
    JsonNode choices = response.get("choices");
    if (choices == null || !choices.isArray() || choices.isEmpty()) {
      return Optional.of("response has no choices");
    }
    for (JsonNode choice : choices.values()) {
      if (!choice.isObject() || !choice.path("message").isObject()) {
        return Optional.of("response has a choice without a message");
      }
      String finishReason = choice.path("finish_reason").asString("");
      if ("length".equals(finishReason)) {
        return Optional.of("response was cut off at the token limit (finish_reason=length)");
      }
      if ("content_filter".equals(finishReason)) {
        // A filtered answer is partial; whether a later identical request is filtered is the
        // provider's call to make again, not ours to replay.
        return Optional.of(
            "response was stopped by a content filter (finish_reason=content_filter)");
      }
    }
    return Optional.empty();
  }
}
