package dev.tokenwise.batch.provider;

/** A provider call that did not succeed; the step that made it fails and is retried later. */
public class ProviderCallException extends RuntimeException {

  public ProviderCallException(String message) {
    super(message);
  }

  public ProviderCallException(String message, Throwable cause) {
    super(message, cause);
  }
}
