package dev.tokenwise.simulator.wire;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;

/**
 * Writes responses exactly as the providers do. Event streams are written by hand rather than
 * through Spring's SSE encoder, which omits the space after {@code data:} that the providers send
 * and that some clients match on.
 */
public final class Wire {

  /** {@code text/event-stream; charset=utf-8}, as both providers label streams. */
  public static final MediaType EVENT_STREAM =
      new MediaType("text", "event-stream", StandardCharsets.UTF_8);

  private static final String ALPHANUMERIC =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

  /**
   * Delay between the last event a client got and a reset, so the client has read those events
   * before the RST discards what is still buffered.
   */
  private static final Duration RESET_GRACE = Duration.ofMillis(50);

  private Wire() {}

  /** Writes {@code json} (already serialised) with {@code status}. */
  public static Mono<Void> json(ServerWebExchange exchange, HttpStatusCode status, String json) {
    ServerHttpResponse response = exchange.getResponse();
    response.setStatusCode(status);
    response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    response.getHeaders().setContentLength(bytes.length);
    return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(bytes)));
  }

  /**
   * Writes a 200 event stream, flushing after every event (each a complete {@code ...\n\n} block).
   */
  public static Mono<Void> eventStream(ServerWebExchange exchange, Flux<String> events) {
    ServerHttpResponse response = exchange.getResponse();
    response.getHeaders().setContentType(EVENT_STREAM);
    response.getHeaders().setCacheControl("no-cache");
    Flux<Mono<DataBuffer>> flushed =
        events.map(
            event ->
                Mono.fromSupplier(
                    () -> response.bufferFactory().wrap(event.getBytes(StandardCharsets.UTF_8))));
    return response.writeAndFlushWith(flushed);
  }

  /**
   * Resets the client's TCP connection (RST, via {@code SO_LINGER} 0), as a crashed upstream or a
   * middlebox does. Never completes: the server drops the exchange when the channel closes.
   */
  public static <T> Flux<T> reset(ServerWebExchange exchange) {
    Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest());
    if (!(nativeRequest instanceof Connection connection)) {
      return Flux.error(new IllegalStateException("connection reset injected"));
    }
    return Mono.delay(RESET_GRACE)
        .flatMapMany(
            tick -> {
              Channel channel = connection.channel();
              channel.config().setOption(ChannelOption.SO_LINGER, 0);
              channel.close();
              return Flux.never();
            });
  }

  /** A random id in the providers' style: {@code prefix} then {@code length} letters and digits. */
  public static String randomId(String prefix, int length) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    StringBuilder id = new StringBuilder(prefix);
    for (int i = 0; i < length; i++) {
      id.append(ALPHANUMERIC.charAt(random.nextInt(ALPHANUMERIC.length())));
    }
    return id.toString();
  }

  /** {@code 32} random lower-case hex digits after {@code prefix}. */
  public static String randomHexId(String prefix) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return prefix
        + Long.toHexString(random.nextLong() | Long.MIN_VALUE)
        + Long.toHexString(random.nextLong() | Long.MIN_VALUE);
  }
}
