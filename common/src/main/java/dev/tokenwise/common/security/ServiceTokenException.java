package dev.tokenwise.common.security;

/** A service token that is missing, malformed, forged, expired or meant for another service. */
public final class ServiceTokenException extends RuntimeException {

  private final String code;

  public ServiceTokenException(String code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  /** A stable machine-readable reason, e.g. {@code service_token_expired}. */
  public String code() {
    return code;
  }
}
