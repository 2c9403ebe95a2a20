package dev.tokenwise.batch.delivery;

/** The key webhooks are signed with; {@link #toString()} never prints it. */
public record WebhookSecret(String value) {

  public boolean isPresent() {
    return value != null && !value.isBlank();
  }

  @Override
  public String toString() {
    return isPresent() ? "WebhookSecret[****]" : "WebhookSecret[none]";
  }
}
