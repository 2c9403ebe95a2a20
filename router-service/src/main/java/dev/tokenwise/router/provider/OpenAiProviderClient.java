package dev.tokenwise.router.provider;

import io.micrometer.observation.ObservationRegistry;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Calls OpenAI or any OpenAI-compatible server (vLLM, Ollama, an Azure deployment URL with {@code
 * api-version}).
 */
public class OpenAiProviderClient extends ProviderClient {

  /** The provider name in usage events and metrics (OpenTelemetry GenAI's value). */
  public static final String PROVIDER = "openai";

  public static final String CHAT_PATH = "/chat/completions";

  public OpenAiProviderClient(
      ProviderProperties.Upstream upstream,
      ProviderApiKey apiKey,
      ObservationRegistry observations) {
    super(
        ProviderKind.OPENAI,
        upstream,
        headers -> {
          if (apiKey != null && !apiKey.isBlank()) {
            if (upstream.apiVersion() != null && !upstream.apiVersion().isBlank()) {
              headers.set("api-key", apiKey.reveal());
            } else {
              headers.set(HttpHeaders.AUTHORIZATION, "Bearer " + apiKey.reveal());
            }
          }
        },
        observations);
  }

  /**
   * A client that sends the key in {@code keyHeader}: {@code authorization} as a bearer token, any
   * other header as the bare key (Azure's {@code api-key}, a gateway's own header).
   */
  public OpenAiProviderClient(
      ProviderProperties.Upstream upstream,
      ProviderApiKey apiKey,
      String keyHeader,
      ObservationRegistry observations) {
    super(
        ProviderKind.OPENAI,
        upstream,
        headers -> {
          if (apiKey != null && !apiKey.isBlank()) {
            if (HttpHeaders.AUTHORIZATION.equalsIgnoreCase(keyHeader)) {
              headers.set(HttpHeaders.AUTHORIZATION, "Bearer " + apiKey.reveal());
            } else {
              headers.set(keyHeader, apiKey.reveal());
            }
          }
        },
        observations);
  }

  /** {@code POST /v1/chat/completions} with a non-streamed body. */
  public Mono<ProviderReply> chatCompletion(byte[] body) {
    return post(CHAT_PATH, body);
  }

  /** {@code POST /v1/chat/completions} with {@code "stream": true}. */
  public Mono<ResponseEntity<Flux<DataBuffer>>> streamChatCompletion(byte[] body) {
    return stream(CHAT_PATH, body);
  }
}
