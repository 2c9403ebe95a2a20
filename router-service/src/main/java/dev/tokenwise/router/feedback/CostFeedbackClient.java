package dev.tokenwise.router.feedback;

import dev.tokenwise.common.quality.QualityFeedback;
import dev.tokenwise.common.security.ServiceTokens;
import io.micrometer.observation.ObservationRegistry;
import io.netty.channel.ChannelOption;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * cost-service's {@code POST /api/feedback}, one WebClient configured by {@link
 * CostServiceProperties}.
 */
@Component
class CostFeedbackClient {

  /** cost-service's answer as it came. */
  record Reply(HttpStatusCode status, byte[] body) {}

  private final WebClient client;
  private final CostServiceProperties properties;
  private final ServiceTokens tokens;

  CostFeedbackClient(
      CostServiceProperties properties, ObservationRegistry observations, ServiceTokens tokens) {
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

  Mono<Reply> send(QualityFeedback feedback) {
    return client
        .post()
        .uri("/api/feedback")
        .header(ServiceTokens.HEADER, tokens.mint(ServiceTokens.COST, feedback.tenant()))
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(feedback)
        .exchangeToMono(this::reply)
        .timeout(properties.timeout());
  }

  private Mono<Reply> reply(ClientResponse response) {
    return response
        .bodyToMono(byte[].class)
        .defaultIfEmpty(new byte[0])
        .map(body -> new Reply(response.statusCode(), body));
  }
}
