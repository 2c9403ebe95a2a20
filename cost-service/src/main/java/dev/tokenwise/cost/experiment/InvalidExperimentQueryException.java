package dev.tokenwise.cost.experiment;

/** An experiments report parameter that is malformed, naming it. */
class InvalidExperimentQueryException extends RuntimeException {

  private final String field;

  InvalidExperimentQueryException(String field, String message) {
    super(message);
    this.field = field;
  }

  String field() {
    return field;
  }
}
