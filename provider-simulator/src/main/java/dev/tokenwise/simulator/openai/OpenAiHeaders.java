package dev.tokenwise.simulator.openai;

import dev.tokenwise.simulator.billing.BillingLedger;
import dev.tokenwise.simulator.wire.Wire;
import java.time.Duration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

/**
 * The response headers OpenAI sends (request id, processing time, rate limits), and its API-key
 * check. Rate limits are generous fixed numbers: the simulator does not throttle by itself, only by
 * injected faults.
 */
final class OpenAiHeaders {

  static final long REQUEST_LIMIT = 10_000;
  static final long TOKEN_LIMIT = 10_000_000;

  private OpenAiHeaders() {}

  /** Headers every response carries; returns the request id. */
  static String common(HttpHeaders response) {
    String requestId = Wire.randomHexId("req_");
    response.set("x-request-id", requestId);
    response.set("openai-version", "2020-10-01");
    response.set("openai-organization", "tokenwise-simulator");
    return requestId;
  }

  static void processing(HttpHeaders response, Duration took) {
    response.set("openai-processing-ms", Long.toString(Math.max(1, took.toMillis())));
  }

  /** Rate-limit headers after a request that used {@code tokens} of the minute's budget. */
  static void rateLimits(HttpHeaders response, long tokens, boolean exhausted, Duration reset) {
    response.set("x-ratelimit-limit-requests", Long.toString(REQUEST_LIMIT));
    response.set("x-ratelimit-limit-tokens", Long.toString(TOKEN_LIMIT));
    response.set(
        "x-ratelimit-remaining-requests", exhausted ? "0" : Long.toString(REQUEST_LIMIT - 1));
    response.set(
        "x-ratelimit-remaining-tokens",
        exhausted ? "0" : Long.toString(Math.max(0, TOKEN_LIMIT - tokens)));
    response.set("x-ratelimit-reset-requests", exhausted ? goDuration(reset) : "6ms");
    response.set("x-ratelimit-reset-tokens", exhausted ? goDuration(reset) : "0s");
  }

  /** Durations as OpenAI writes them in reset headers: {@code 6ms}, {@code 1s}, {@code 1m30s}. */
  static String goDuration(Duration d) {
    if (d.toMillis() < 1000) {
      return d.toMillis() + "ms";
    }
    long minutes = d.toMinutes();
    long seconds = d.toSecondsPart();
    return minutes > 0 ? minutes + "m" + seconds + "s" : d.toSeconds() + "s";
  }

  /**
   * Throws OpenAI's 401 unless the request carries {@code Authorization: Bearer <non-empty key>}.
   */
  /**
   * Whose prompt cache and bill a request belongs to: the {@code OpenAI-Organization} header when
   * sent (a key that belongs to several organisations names one), else the API key itself.
   */
  static String organisation(HttpHeaders request) {
    String organisation = request.getFirst("OpenAI-Organization");
    if (organisation != null && !organisation.isBlank()) {
      return "org:" + organisation.trim();
    }
    String authorization = request.getFirst(HttpHeaders.AUTHORIZATION);
    return "key:" + (authorization == null ? "" : authorization.substring(7).trim());
  }

  /** The id the usage report gives the request's key ({@code group_by=api_key_id}). */
  static String apiKeyId(HttpHeaders request) {
    String authorization = request.getFirst(HttpHeaders.AUTHORIZATION);
    return BillingLedger.apiKeyId(
        "key_", authorization == null ? "" : authorization.substring(7).trim());
  }

  static void requireApiKey(HttpHeaders request) {
    String authorization = request.getFirst(HttpHeaders.AUTHORIZATION);
    boolean bearer =
        authorization != null
            && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
            && !authorization.substring(7).isBlank();
    if (!bearer) {
      throw new OpenAiError(
          HttpStatus.UNAUTHORIZED,
          "You didn't provide an API key. You need to provide your API key in an Authorization"
              + " header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password"
              + " field (with blank username) if you're accessing the API from your browser and are"
              + " prompted for a username. You can obtain an API key from"
              + " https://platform.openai.com/account/api-keys.",
          "invalid_request_error",
          null,
          null);
    }
  }
}
