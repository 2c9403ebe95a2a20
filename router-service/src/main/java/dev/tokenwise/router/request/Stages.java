package dev.tokenwise.router.request;

import dev.tokenwise.common.openai.OpenAiError;
import dev.tokenwise.router.error.OpenAiApiException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The step a public API request is in, so that one left without an answer is named in the log with
 * where it stopped, and a deadline on each step before the provider call, so that a step that never
 * signals becomes a 503 instead of a client that waits forever.
 */
public final class Stages {

  private static final Logger log = LoggerFactory.getLogger(Stages.class);

  static final String ATTRIBUTE = Stages.class.getName() + ".stage";

  private Stages() {}

  /** Records that the request entered {@code stage}. */
  public static void enter(ServerWebExchange exchange, String stage) {
    exchange.getAttributes().put(ATTRIBUTE, stage);
  }

  /** The step the request is in, or {@code "received"} before any. */
  public static String of(ServerWebExchange exchange) {
    return exchange.getAttributeOrDefault(ATTRIBUTE, "received");
  }

  /**
   * {@code step} as the request's current stage, ended with a 503 {@code stage_timeout} when it
   * signals nothing within {@code timeout}.
   */
  public static <T> Mono<T> within(
      ServerWebExchange exchange, String stage, Duration timeout, Mono<T> step) {
    return Mono.defer(
        () -> {
          enter(exchange, stage);
          return Deadlines.within(step, timeout)
              .onErrorMap(
                  TimeoutException.class,
                  e -> {
                    log.warn(
                        "Request {} stalled in {} for {} ms; answering 503",
                        PublicApiRequestFilter.requestId(exchange),
                        stage,
                        timeout.toMillis());
                    return new OpenAiApiException(
                        HttpStatus.SERVICE_UNAVAILABLE,
                        "Tokenwise could not complete the "
                            + stage
                            + " step of this request in time; retry later.",
                        OpenAiError.SERVER,
                        null,
                        "stage_timeout");
                  });
        });
  }
}
