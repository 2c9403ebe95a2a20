package dev.tokenwise.router.provider;

import dev.tokenwise.router.error.OpenAiApiException;
import io.netty.channel.ChannelOption;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * Calls an OpenAI-compatible Chat Completions endpoint. The request body is sent as given, the
 * answer returned as bytes with its status: the router decides what the client sees. Transport
 * failures become OpenAI-shaped 502/504 errors.
 */
public class OpenAiProviderClient {

  /** The provider name in usage events and metrics (OpenTelemetry GenAI's value). */
  public static final String PROVIDER = "openai";

  private final WebClient client;
  private final int maxResponseBytes;
  private final Duration totalTimeout;

  public OpenAiProviderClient(ProviderProperties.Upstream upstream, ProviderApiKey apiKey) {
    HttpClient http =
        HttpClient.create()
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, upstream.connectTimeout().toMillis()))
            .responseTimeout(upstream.responseTimeout());
    WebClient.Builder builder =
        WebClient.builder()
            .baseUrl(upstream.baseUrl().toString())
            .clientConnector(new ReactorClientHttpConnector(http));
    if (apiKey != null && !apiKey.isBlank()) {
      builder.defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + apiKey.reveal());
    }
    this.client = builder.build();
    this.maxResponseBytes =
        (int) Math.min(Integer.MAX_VALUE - 8, upstream.maxResponseSize().toBytes());
    this.totalTimeout = upstream.totalTimeout();
  }

  /** {@code POST /v1/chat/completions} with a non-streamed body. */
  public Mono<ProviderReply> chatCompletion(byte[] body) {
    return client
        .post()
        .uri("/v1/chat/completions")
        .contentType(MediaType.APPLICATION_JSON)
        .accept(MediaType.APPLICATION_JSON)
        .bodyValue(body)
        .exchangeToMono(
            response ->
                DataBufferUtils.join(
                        response.body(BodyExtractors.toDataBuffers()), maxResponseBytes)
                    .map(OpenAiProviderClient::drain)
                    .defaultIfEmpty(new byte[0])
                    .map(bytes -> new ProviderReply(response.statusCode(), bytes)))
        .timeout(totalTimeout)
        .onErrorMap(OpenAiProviderClient::isTransportFailure, OpenAiProviderClient::toApiError);
  }

  /**
   * {@code POST /v1/chat/completions} with {@code "stream": true}: the status and headers once they
   * arrive, the server-sent events as the provider sends them. An error status arrives as {@link
   * ProviderErrorReply} carrying the provider's body. Only the idle timeout between reads applies,
   * not the total one: a long answer may stream for minutes.
   */
  public Mono<ResponseEntity<Flux<DataBuffer>>> streamChatCompletion(byte[] body) {
    return client
        .post()
        .uri("/v1/chat/completions")
        .contentType(MediaType.APPLICATION_JSON)
        .accept(MediaType.TEXT_EVENT_STREAM, MediaType.APPLICATION_JSON)
        .bodyValue(body)
        .retrieve()
        .onStatus(
            HttpStatusCode::isError,
            response ->
                DataBufferUtils.join(
                        response.body(BodyExtractors.toDataBuffers()), maxResponseBytes)
                    .map(OpenAiProviderClient::drain)
                    .defaultIfEmpty(new byte[0])
                    .map(bytes -> new ProviderErrorReply(response.statusCode(), bytes)))
        .toEntityFlux(DataBuffer.class)
        .onErrorMap(OpenAiProviderClient::isTransportFailure, OpenAiProviderClient::toApiError);
  }

  private static boolean isTransportFailure(Throwable e) {
    return !(e instanceof OpenAiApiException) && !(e instanceof ProviderErrorReply);
  }

  private static OpenAiApiException toApiError(Throwable e) {
    if (e instanceof TimeoutException
        || e.getCause() instanceof io.netty.handler.timeout.ReadTimeoutException
        || e instanceof io.netty.handler.timeout.ReadTimeoutException) {
      return OpenAiApiException.upstreamUnavailable(
          HttpStatus.GATEWAY_TIMEOUT, "The provider did not answer in time.");
    }
    if (e instanceof DataBufferLimitException) {
      return OpenAiApiException.upstreamUnavailable(
          HttpStatus.BAD_GATEWAY, "The provider's answer exceeded the router's size limit.");
    }
    if (e instanceof WebClientRequestException) {
      return OpenAiApiException.upstreamUnavailable(
          HttpStatus.BAD_GATEWAY, "The provider could not be reached.");
    }
    return OpenAiApiException.upstreamUnavailable(
        HttpStatus.BAD_GATEWAY, "The provider call failed.");
  }

  private static byte[] drain(DataBuffer buffer) {
    try {
      byte[] bytes = new byte[buffer.readableByteCount()];
      buffer.read(bytes);
      return bytes;
    } finally {
      DataBufferUtils.release(buffer);
    }
  }
}
