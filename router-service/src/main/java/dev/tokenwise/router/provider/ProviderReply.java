package dev.tokenwise.router.provider;

import java.time.Duration;
import org.springframework.http.HttpStatusCode;

/**
 * A provider's complete, non-streamed answer: status and body bytes exactly as they came.
 *
 * @param retryAfter the wait the provider asked for ({@code Retry-After}, {@code retry-after-ms}),
 *     or null
 */
public record ProviderReply(HttpStatusCode status, byte[] body, Duration retryAfter) {

  public ProviderReply(HttpStatusCode status, byte[] body) {
    this(status, body, null);
  }

  /**
   * Worth another attempt, here or at a fallback model: rate limited (429), overloaded (Anthropic's
   * 529) or a server error (5xx). Other 4xx say the request itself is wrong.
   */
  public boolean isRetryable() {
    int code = status.value();
    return code == 429 || code >= 500;
  }
}
