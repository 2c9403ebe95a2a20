package dev.tokenwise.router.request;

import org.springframework.web.server.ServerWebExchange;

/**
 * How a public API request ended, as the {@code outcome} tag of {@code tokenwise.router.requests}.
 * Handlers mark cache answers explicitly; the rest is read from the response status.
 */
public enum RequestOutcome {
  OK("ok"),
  CACHE_HIT("cache-hit"),
  UNAUTHORIZED("unauthorized"),
  TOO_LARGE("too-large"),
  INVALID("invalid"),
  RATE_LIMITED("rate-limited"),
  UPSTREAM_ERROR("upstream-error"),
  ERROR("error");

  private static final String ATTRIBUTE = RequestOutcome.class.getName();

  private final String tag;

  RequestOutcome(String tag) {
    this.tag = tag;
  }

  public String tag() {
    return tag;
  }

  /** Records an outcome the status code alone cannot tell, such as a cache answer. */
  public static void mark(ServerWebExchange exchange, RequestOutcome outcome) {
    exchange.getAttributes().put(ATTRIBUTE, outcome);
  }

  static RequestOutcome of(ServerWebExchange exchange) {
    int status =
        exchange.getResponse().getStatusCode() == null
            ? 200
            : exchange.getResponse().getStatusCode().value();
    if (status == 401 || status == 403) {
      return UNAUTHORIZED;
    }
    if (status == 413) {
      return TOO_LARGE;
    }
    if (status == 429) {
      return RATE_LIMITED;
    }
    if (status >= 400 && status < 500) {
      return INVALID;
    }
    if (status == 502 || status == 503 || status == 504) {
      return UPSTREAM_ERROR;
    }
    if (status >= 500) {
      return ERROR;
    }
    RequestOutcome marked = exchange.getAttribute(ATTRIBUTE);
    return marked != null ? marked : OK;
  }
}
