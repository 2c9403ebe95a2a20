package dev.tokenwise.cost.ingest;

/** A usage event that cannot be ingested, naming the offending field when there is one. */
class InvalidUsageEventException extends RuntimeException {

  private final String field;

  InvalidUsageEventException(String field, String message) {
    super(message);
    this.field = field;
  }

  /**
   * JSON field path such as {@code eventId} or {@code cacheWriteTokens.ttl5m}; null for the whole
   * body.
   */
  String field() {
    return field;
  }

  /** One line for a dead-letter {@code reason} or a log. */
  String reason() {
    return field == null ? getMessage() : field + ": " + getMessage();
  }
}
