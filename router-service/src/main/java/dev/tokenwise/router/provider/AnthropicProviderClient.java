package dev.tokenwise.router.provider;

import io.micrometer.observation.ObservationRegistry;

/**
 * Calls Anthropic's Messages API ({@code x-api-key}, {@code anthropic-version: 2023-06-01}, as
 * Anthropic's API reference requires).
 */
public class AnthropicProviderClient extends ProviderClient {

  public static final String MESSAGES_PATH = "/messages";
  static final String VERSION = "2023-06-01";

  public AnthropicProviderClient(
      ProviderProperties.Upstream upstream,
      ProviderApiKey apiKey,
      ObservationRegistry observations) {
    super(
        ProviderKind.ANTHROPIC,
        upstream,
        headers -> {
          headers.set("anthropic-version", VERSION);
          if (apiKey != null && !apiKey.isBlank()) {
            headers.set("x-api-key", apiKey.reveal());
          }
        },
        observations);
  }
}
