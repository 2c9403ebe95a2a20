package dev.tokenwise.cache;

import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.testsupport.TestServiceTokens;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/** Calls on cache-service's internal API as the router makes them, and the bodies tests send. */
public final class InternalApi {

  private InternalApi() {}

  /** {@code POST /internal/cache{path}} with the router's service token for {@code body}. */
  public static WebTestClient.ResponseSpec post(WebTestClient client, String path, String body) {
    return client
        .post()
        .uri("/internal/cache" + path)
        .header(
            ServiceTokens.HEADER,
            TestServiceTokens.forBody(ServiceTokens.ROUTER, ServiceTokens.CACHE, body))
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(body)
        .exchange();
  }

  /** The service's Prometheus scrape. */
  public static String prometheus(WebTestClient client) {
    return client
        .get()
        .uri("/actuator/prometheus")
        .exchange()
        .expectBody(String.class)
        .returnResult()
        .getResponseBody();
  }

  /** A one-question gpt-5-mini chat request at temperature 0.2. */
  public static String chat(String question) {
    return """
        {"model":"gpt-5-mini","temperature":0.2,"messages":[{"role":"user","content":"%s"}]}
        """
        .formatted(question)
        .strip();
  }

  /** A gpt-5-mini chat completion answering {@code content}. */
  public static String answer(String content) {
    return """
        {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-5-mini",
         "choices":[{"index":0,"message":{"role":"assistant","content":"%s"},
                     "finish_reason":"stop"}],
         "usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}
        """
        .formatted(content);
  }
}
