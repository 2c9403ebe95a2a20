package dev.tokenwise.router.deferral;

import dev.tokenwise.common.batch.DeferredApi;
import dev.tokenwise.common.security.ServiceTokens;
import io.micrometer.observation.ObservationRegistry;
import io.netty.channel.ChannelOption;
import java.util.List;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * batch-service's deferred intake: {@code POST /internal/deferred} with {@code
 * {"tenant","app","route","provider","model","clientFormat":"openai","body":{...},"requestId",
 * "cachePolicy","user","conversation"}} answered {@code 202 {"id","status","statusUrl"}}; and
 * {@code GET /v1/jobs/{id}}.
 */
@Component
class BatchServiceClient {

  /** A batch-service answer as it came. */
  record Reply(HttpStatusCode status, byte[] body, String contentType) {}

  private final WebClient client;
  private final DeferralProperties properties;
  private final ServiceTokens tokens;

  BatchServiceClient(
      DeferralProperties properties, ObservationRegistry observations, ServiceTokens tokens) {
    this.properties = properties;
    this.tokens = tokens;
    HttpClient http =
        HttpClient.create()
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) properties.connectTimeout().toMillis())
            .responseTimeout(properties.timeout());
    this.client =
        WebClient.builder()
            .baseUrl(properties.baseUrl().toString())
            .clientConnector(new ReactorClientHttpConnector(http))
            .observationRegistry(observations)
            .build();
  }

  Mono<Reply> submit(DeferredApi.Submission submission) {
    return client
        .post()
        .uri(DeferredApi.PATH)
        .header(ServiceTokens.HEADER, tokens.mint(ServiceTokens.BATCH, submission.tenant()))
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(submission)
        .exchangeToMono(this::reply)
        .timeout(properties.timeout());
  }

  Mono<Reply> job(String id, String tenant) {
    return client
        .get()
        .uri("/v1/jobs/{id}", id)
        .header(ServiceTokens.HEADER, tokens.mint(ServiceTokens.BATCH, tenant))
        .exchangeToMono(this::reply)
        .timeout(properties.timeout());
  }

  /**
   * Forwards a team-batch call ({@code /v1/files}, {@code /v1/batches}) for {@code tenant}, body
   * and answer streamed, with the tenant in {@code Tokenwise-Tenant} and a service token naming it.
   */
  Mono<ResponseEntity<Flux<DataBuffer>>> forward(
      HttpMethod method,
      String pathAndQuery,
      HttpHeaders headers,
      Flux<DataBuffer> body,
      String tenant) {
    return client
        .method(method)
        .uri(pathAndQuery)
        .headers(
            out -> {
              for (String name : FORWARDED_HEADERS) {
                List<String> values = headers.get(name);
                if (values != null) {
                  out.put(name, values);
                }
              }
              out.set(TENANT_HEADER, tenant);
              out.set(ServiceTokens.HEADER, tokens.mint(ServiceTokens.BATCH, tenant));
            })
        .body(BodyInserters.fromDataBuffers(body))
        .retrieve()
        .onStatus(status -> true, response -> Mono.empty())
        .toEntityFlux(DataBuffer.class);
  }

  private static final String TENANT_HEADER = "Tokenwise-Tenant";

  /** The client's headers batch-service reads; never its key or cookies. */
  private static final List<String> FORWARDED_HEADERS =
      List.of(HttpHeaders.CONTENT_TYPE, HttpHeaders.CONTENT_LENGTH, HttpHeaders.ACCEPT);

  private Mono<Reply> reply(org.springframework.web.reactive.function.client.ClientResponse r) {
    String type = r.headers().contentType().map(MediaType::toString).orElse("application/json");
    return r.bodyToMono(byte[].class)
        .defaultIfEmpty(new byte[0])
        .map(body -> new Reply(r.statusCode(), body, type));
  }
}
