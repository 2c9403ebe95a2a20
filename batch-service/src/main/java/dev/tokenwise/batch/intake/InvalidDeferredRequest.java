package dev.tokenwise.batch.intake;

/** A deferred request that cannot be taken; {@code field} names the offending field. */
public class InvalidDeferredRequest extends RuntimeException {

  private final String field;

  public InvalidDeferredRequest(String field, String message) {
    super(message, null, false, false);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
