package dev.tokenwise.simulator.anthropic;

import dev.tokenwise.simulator.billing.BillingLedger;
import dev.tokenwise.simulator.wire.Wire;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

/**
 * The response headers Anthropic sends (request id, rate limits), and its key and version check.
 * Rate limits are generous fixed numbers: the simulator throttles only by injected faults.
 */
final class AnthropicHeaders {

  static final long REQUEST_LIMIT = 4_000;
  static final long INPUT_TOKEN_LIMIT = 2_000_000;
  static final long OUTPUT_TOKEN_LIMIT = 400_000;

  private AnthropicHeaders() {}

  /** Headers every response carries; returns the request id. */
  static String common(HttpHeaders response) {
    String requestId = Wire.randomId("req_011C", 20);
    response.set("request-id", requestId);
    response.set("anthropic-organization-id", "00000000-0000-4000-8000-000000000000");
    return requestId;
  }

  /** Rate-limit headers after a request that used these tokens of the minute's budget. */
  static void rateLimits(HttpHeaders response, long input, long output, boolean exhausted) {
    String reset =
        Instant.now().plus(1, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS).toString();
    long requests = exhausted ? 0 : REQUEST_LIMIT - 1;
    long inputLeft = exhausted ? 0 : Math.max(0, INPUT_TOKEN_LIMIT - input);
    long outputLeft = exhausted ? 0 : Math.max(0, OUTPUT_TOKEN_LIMIT - output);
    set(response, "requests", REQUEST_LIMIT, requests, reset);
    set(response, "input-tokens", INPUT_TOKEN_LIMIT, inputLeft, reset);
    set(response, "output-tokens", OUTPUT_TOKEN_LIMIT, outputLeft, reset);
    set(response, "tokens", INPUT_TOKEN_LIMIT + OUTPUT_TOKEN_LIMIT, inputLeft + outputLeft, reset);
  }

  private static void set(
      HttpHeaders response, String kind, long limit, long remaining, String reset) {
    response.set("anthropic-ratelimit-" + kind + "-limit", Long.toString(limit));
    response.set("anthropic-ratelimit-" + kind + "-remaining", Long.toString(remaining));
    response.set("anthropic-ratelimit-" + kind + "-reset", reset);
  }

  /** The id the usage report gives the request's key ({@code group_by[]=api_key_id}). */
  static String apiKeyId(HttpHeaders request) {
    String key = request.getFirst("x-api-key");
    if (key == null || key.isBlank()) {
      String authorization = request.getFirst(HttpHeaders.AUTHORIZATION);
      key = authorization == null ? "" : authorization.substring(7).trim();
    }
    return BillingLedger.apiKeyId("apikey_01", key);
  }

  /**
   * Throws Anthropic's 401 without a non-empty key, and its 400 without {@code anthropic-version}.
   * The key comes in {@code x-api-key} or, as the 3.x Java SDK sends it, {@code Authorization:
   * Bearer}.
   */
  static void requireKeyAndVersion(HttpHeaders request) {
    String key = request.getFirst("x-api-key");
    String authorization = request.getFirst(HttpHeaders.AUTHORIZATION);
    boolean bearer =
        authorization != null
            && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
            && !authorization.substring(7).isBlank();
    if ((key == null || key.isBlank()) && !bearer) {
      throw new AnthropicError(
          HttpStatus.UNAUTHORIZED, "authentication_error", "x-api-key header is required");
    }
    String version = request.getFirst("anthropic-version");
    if (version == null || version.isBlank()) {
      throw AnthropicError.invalidRequest("anthropic-version: header is required");
    }
  }
}
