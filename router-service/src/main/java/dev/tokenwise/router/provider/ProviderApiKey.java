package dev.tokenwise.router.provider;

/** A provider API key. {@link #toString()} redacts it, so it never reaches a log line. */
public final class ProviderApiKey {

  private final String value;

  public ProviderApiKey(String value) {
    this.value = value;
  }

  /** The key, for the one place that writes it into a request header. */
  public String reveal() {
    return value;
  }

  public boolean isBlank() {
    return value == null || value.isBlank();
  }

  @Override
  public String toString() {
    return "ProviderApiKey[redacted]";
  }
}
