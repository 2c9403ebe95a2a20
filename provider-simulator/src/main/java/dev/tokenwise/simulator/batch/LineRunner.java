package dev.tokenwise.simulator.batch;

import dev.tokenwise.simulator.billing.BillingLedger;
import java.nio.charset.StandardCharsets;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.ExchangeStrategies;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * Answers one batch line by calling the simulator's own synchronous endpoint, so a batched request
 * gets exactly the answer, usage and validation errors the same request gets online.
 */
@Component
class LineRunner {

  /** A synchronous answer: its status, its JSON body and the provider's request id header. */
  record Reply(int status, String body, String requestId) {}

  private final Environment environment;
  private final WebClient http;

  LineRunner(Environment environment) {
    this.environment = environment;
    this.http =
        WebClient.builder()
            .exchangeStrategies(
                ExchangeStrategies.builder()
                    .codecs(c -> c.defaultCodecs().maxInMemorySize(64 * 1024 * 1024))
                    .build())
            .build();
  }

  Mono<Reply> run(String path, HttpHeaders credentials, String body) {
    String port = environment.getProperty("local.server.port", "8090");
    return http.post()
        .uri("http://127.0.0.1:" + port + path)
        .headers(
            h -> {
              h.addAll(credentials);
              h.set(BillingLedger.BATCH_HEADER, "batch");
            })
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(body.getBytes(StandardCharsets.UTF_8))
        .exchangeToMono(
            response ->
                response
                    .bodyToMono(String.class)
                    .defaultIfEmpty("")
                    .map(
                        text ->
                            new Reply(
                                response.statusCode().value(),
                                text,
                                firstOf(response.headers().asHttpHeaders()))));
  }

  private static String firstOf(HttpHeaders headers) {
    String id = headers.getFirst("x-request-id");
    return id != null ? id : headers.getFirst("request-id");
  }
}
