package dev.tokenwise.cost.report;

/** A report parameter that is missing or malformed, naming it. */
class InvalidReportQueryException extends RuntimeException {

  private final String field;

  InvalidReportQueryException(String field, String message) {
    super(message);
    this.field = field;
  }

  String field() {
    return field;
  }
}
