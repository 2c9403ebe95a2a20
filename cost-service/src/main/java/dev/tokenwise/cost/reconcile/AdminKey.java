package dev.tokenwise.cost.reconcile;

/** A provider admin API key; {@code toString()} never prints it. */
public record AdminKey(String value) {

  boolean present() {
    return value != null && !value.isBlank();
  }

  @Override
  public String toString() {
    return present() ? "AdminKey[redacted]" : "AdminKey[none]";
  }
}
