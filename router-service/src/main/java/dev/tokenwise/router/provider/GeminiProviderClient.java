package dev.tokenwise.router.provider;

import io.micrometer.observation.ObservationRegistry;
import org.springframework.web.util.UriUtils;

/**
 * Calls Google's Gemini API: {@code POST /models/{model}:generateContent}, and {@code
 * :streamGenerateContent?alt=sse} for server-sent events, with the key in {@code x-goog-api-key}
 * (https://ai.google.dev/api#authentication), never in the URL, where access logs would keep it.
 */
public class GeminiProviderClient extends ProviderClient {

  static final String KEY_HEADER = "x-goog-api-key";

  public GeminiProviderClient(
      ProviderProperties.Upstream upstream,
      ProviderApiKey apiKey,
      ObservationRegistry observations) {
    super(
        ProviderKind.GEMINI,
        upstream,
        headers -> {
          if (apiKey != null && !apiKey.isBlank()) {
            headers.set(KEY_HEADER, apiKey.reveal());
          }
        },
        observations);
  }

  /** The path below the API version for a call of {@code model}. */
  static String path(String model, boolean stream) {
    String encoded = UriUtils.encodePathSegment(model, java.nio.charset.StandardCharsets.UTF_8);
    return "/models/" + encoded + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
  }
}
