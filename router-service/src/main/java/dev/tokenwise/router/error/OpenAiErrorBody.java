package dev.tokenwise.router.error;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * OpenAI's error envelope. All four keys are always written, null or not, because the official SDKs
 * read them by name (PROVIDERS.md, "Error body").
 */
public record OpenAiErrorBody(Error error) {

  public static OpenAiErrorBody of(String message, String type, String param, String code) {
    return new OpenAiErrorBody(new Error(message, type, param, code));
  }

  /** The envelope's single member. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record Error(String message, String type, String param, String code) {}
}
