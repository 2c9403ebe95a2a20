package dev.tokenwise.router.error;

import dev.tokenwise.common.anthropic.AnthropicError;
import dev.tokenwise.common.openai.OpenAiError;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.webflux.error.ErrorWebExceptionHandler;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns every exception into a client-safe body: OpenAI's error envelope on {@code /v1/**}, an RFC
 * 9457 problem elsewhere. Replaces Boot's default handler, which can echo exception messages;
 * gateway filters and functional handlers are not seen by {@code @ControllerAdvice}, so this is the
 * one place errors become responses.
 */
@Component
@Order(-2)
public class PublicApiErrorHandler implements ErrorWebExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(PublicApiErrorHandler.class);

  private final JsonMapper json;

  public PublicApiErrorHandler(JsonMapper json) {
    this.json = json;
  }

  @Override
  public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
    ServerHttpResponse response = exchange.getResponse();
    if (response.isCommitted()) {
      return Mono.error(ex);
    }
    OpenAiApiException error = toApiError(ex);
    response.setStatusCode(error.status());
    response.getHeaders().clearContentHeaders();
    byte[] body;
    String path = exchange.getRequest().getPath().value();
    if (path.equals("/v1/messages") || path.startsWith("/v1/messages/")) {
      response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
      body =
          json.writeValueAsBytes(
              AnthropicError.of(
                  anthropicType(error.status().value()),
                  error.getMessage(),
                  exchange.getResponse().getHeaders().getFirst("Tokenwise-Request-Id")));
    } else if (path.startsWith("/v1/")) {
      response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
      body = json.writeValueAsBytes(error.body());
    } else {
      response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
      body = json.writeValueAsBytes(problem(error));
    }
    return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
  }

  /** Anthropic's error type for an HTTP status (Anthropic's API reference, "Errors"). */
  public static String anthropicType(int status) {
    return switch (status) {
      case 400, 422 -> AnthropicError.INVALID_REQUEST;
      case 401 -> AnthropicError.AUTHENTICATION;
      case 402, 403 -> AnthropicError.PERMISSION;
      case 404 -> AnthropicError.NOT_FOUND;
      case 413 -> AnthropicError.REQUEST_TOO_LARGE;
      case 429 -> AnthropicError.RATE_LIMIT;
      case 503, 529 -> AnthropicError.OVERLOADED;
      default -> status >= 500 ? AnthropicError.API : AnthropicError.INVALID_REQUEST;
    };
  }

  static OpenAiApiException toApiError(Throwable ex) {
    if (ex instanceof OpenAiApiException api) {
      return api;
    }
    if (ex instanceof DataBufferLimitException) {
      return new OpenAiApiException(
          HttpStatus.PAYLOAD_TOO_LARGE,
          "Request body is too large.",
          OpenAiError.INVALID_REQUEST,
          null,
          "request_too_large");
    }
    if (ex instanceof ResponseStatusException rse) {
      HttpStatusCode status = rse.getStatusCode();
      HttpStatus known = HttpStatus.resolve(status.value());
      String reason = known != null ? known.getReasonPhrase() : "Error";
      return new OpenAiApiException(
          status,
          reason + ".",
          status.is4xxClientError() ? OpenAiError.INVALID_REQUEST : OpenAiError.SERVER,
          null,
          reason.toLowerCase().replace(' ', '_').replace("-", "_"));
    }
    log.error("Unhandled error on the public API", ex);
    return new OpenAiApiException(
        HttpStatus.INTERNAL_SERVER_ERROR,
        "The server had an error while processing your request.",
        OpenAiError.SERVER,
        null,
        "internal_error");
  }

  private static Map<String, Object> problem(OpenAiApiException error) {
    Map<String, Object> problem = new LinkedHashMap<>();
    problem.put(
        "type",
        "https://tokenwise.dev/problems/"
            + (error.code() == null ? "error" : error.code().replace('_', '-')));
    problem.put("title", error.getMessage());
    problem.put("status", error.status().value());
    return problem;
  }
}
