package dev.tokenwise.batch.provider;

/** A provider API key; {@link #toString()} never prints it. */
public record ApiKey(String value) {

  public boolean isPresent() {
    return value != null && !value.isBlank();
  }

  @Override
  public String toString() {
    return isPresent() ? "ApiKey[****]" : "ApiKey[none]";
  }
}
