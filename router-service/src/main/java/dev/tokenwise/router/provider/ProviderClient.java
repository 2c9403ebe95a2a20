package dev.tokenwise.router.provider;

import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.request.Deadlines;
import io.micrometer.observation.ObservationRegistry;
import io.netty.channel.ChannelOption;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
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
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import org.springframework.web.util.UriBuilder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * One upstream's HTTP client: bodies are sent as given, answers returned as bytes with status and
 * the wait the provider asked for; the router decides what the client sees. Transport failures
 * (refused, reset, timed out) become OpenAI-shaped 502/504 errors.
 */
public abstract class ProviderClient {

  private static final int REMEMBERED_PATHS = 256;

  private final ProviderKind kind;
  private final WebClient client;
  private final int maxResponseBytes;
  private final Duration totalTimeout;
  private final String pathPrefix;
  private final String apiVersion;
  private final Map<String, java.net.URI> uris = new ConcurrentHashMap<>();

  /**
   * @param observations the HTTP client observations (a span per attempt, {@code traceparent} sent
   *     to the provider)
   */
  protected ProviderClient(
      ProviderKind kind,
      ProviderProperties.Upstream upstream,
      Consumer<HttpHeaders> auth,
      ObservationRegistry observations) {
    this.kind = kind;
    ConnectionProvider pool =
        ConnectionProvider.builder("provider-" + kind.providerName())
            .maxConnections(Math.max(1, upstream.maxConnections()))
            .pendingAcquireMaxCount(-1)
            .maxIdleTime(Duration.ofSeconds(30))
            .build();
    HttpClient http =
        HttpClient.create(pool)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, upstream.connectTimeout().toMillis()))
            .responseTimeout(upstream.responseTimeout());
    this.client =
        WebClient.builder()
            .baseUrl(upstream.baseUrl().toString())
            .defaultHeaders(auth)
            .clientConnector(new ReactorClientHttpConnector(http))
            .observationRegistry(observations)
            .build();
    this.maxResponseBytes =
        (int) Math.min(Integer.MAX_VALUE - 8, upstream.maxResponseSize().toBytes());
    this.totalTimeout = upstream.totalTimeout();
    this.pathPrefix = upstream.pathPrefix() == null ? "" : upstream.pathPrefix();
    this.apiVersion = upstream.apiVersion();
  }

  public ProviderKind kind() {
    return kind;
  }

  /** A non-streamed POST of a JSON body to {@code path} (below the configured prefix). */
  public Mono<ProviderReply> post(String path, byte[] body) {
    return client
        .post()
        .uri(uri -> uri(uri, path))
        .contentType(MediaType.APPLICATION_JSON)
        .accept(MediaType.APPLICATION_JSON)
        .bodyValue(body)
        .exchangeToMono(this::whole)
        .transform(call -> Deadlines.within(call, totalTimeout))
        .onErrorMap(ProviderClient::isTransportFailure, ProviderClient::toApiError);
  }

  /** A GET of {@code path}, whole. */
  public Mono<ProviderReply> get(String path) {
    return client
        .get()
        .uri(uri -> uri(uri, path))
        .accept(MediaType.APPLICATION_JSON)
        .exchangeToMono(this::whole)
        .timeout(totalTimeout)
        .onErrorMap(ProviderClient::isTransportFailure, ProviderClient::toApiError);
  }

  /**
   * A streamed POST: the status and headers once they arrive, the server-sent events as the
   * provider sends them. An error status arrives as {@link ProviderErrorReply} carrying the
   * provider's body. Only the idle timeout between reads applies, not the total one: a long answer
   * may stream for minutes.
   */
  public Mono<ResponseEntity<Flux<DataBuffer>>> stream(String path, byte[] body) {
    return client
        .post()
        .uri(uri -> uri(uri, path))
        .contentType(MediaType.APPLICATION_JSON)
        .accept(MediaType.TEXT_EVENT_STREAM, MediaType.APPLICATION_JSON)
        .bodyValue(body)
        .retrieve()
        .onStatus(HttpStatusCode::isError, response -> whole(response).map(ProviderErrorReply::new))
        .toEntityFlux(DataBuffer.class)
        .onErrorMap(ProviderClient::isTransportFailure, ProviderClient::toApiError);
  }

  /**
   * {@code path} may end in a query ({@code ?alt=sse}), kept as a query. Built once per path:
   * building it per request took about 2% of the router's CPU on the chat path. The paths a client
   * can vary (a Gemini model's) are not remembered past {@value #REMEMBERED_PATHS}.
   */
  private java.net.URI uri(UriBuilder uri, String path) {
    java.net.URI known = uris.get(path);
    if (known != null) {
      return known;
    }
    java.net.URI built = build(uri, path);
    if (uris.size() < REMEMBERED_PATHS) {
      uris.put(path, built);
    }
    return built;
  }

  private java.net.URI build(UriBuilder uri, String path) {
    int query = path.indexOf('?');
    UriBuilder built = uri.path(pathPrefix + (query < 0 ? path : path.substring(0, query)));
    if (query >= 0) {
      built = built.query(path.substring(query + 1));
    }
    if (apiVersion != null && !apiVersion.isBlank()) {
      built = built.queryParam("api-version", apiVersion);
    }
    return built.build();
  }

  private Mono<ProviderReply> whole(ClientResponse response) {
    Duration retryAfter = retryAfter(response.headers().asHttpHeaders());
    return DataBufferUtils.join(response.body(BodyExtractors.toDataBuffers()), maxResponseBytes)
        .map(ProviderClient::drain)
        .defaultIfEmpty(new byte[0])
        .map(bytes -> new ProviderReply(response.statusCode(), bytes, retryAfter));
  }

  /** {@code retry-after-ms} (OpenAI), else {@code Retry-After} in seconds or as an HTTP date. */
  static Duration retryAfter(HttpHeaders headers) {
    try {
      String millis = headers.getFirst("retry-after-ms");
      if (millis != null) {
        return Duration.ofMillis(Math.max(0, (long) Double.parseDouble(millis.trim())));
      }
      String value = headers.getFirst(HttpHeaders.RETRY_AFTER);
      if (value == null || value.isBlank()) {
        return null;
      }
      value = value.trim();
      if (value.chars().allMatch(Character::isDigit)) {
        return Duration.ofSeconds(Long.parseLong(value));
      }
      Duration until =
          Duration.between(
              ZonedDateTime.now(),
              ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME));
      return until.isNegative() ? Duration.ZERO : until;
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static boolean isTransportFailure(Throwable e) {
    return !(e instanceof OpenAiApiException) && !(e instanceof ProviderErrorReply);
  }

  static OpenAiApiException toApiError(Throwable e) {
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
