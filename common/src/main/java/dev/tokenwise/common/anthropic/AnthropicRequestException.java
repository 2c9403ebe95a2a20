package dev.tokenwise.common.anthropic;

/**
 * A request body that is not a valid Messages request. {@link #field()} names the offending field
 * ({@code messages.1.role}, Anthropic's own path style); {@link #toError()} is the 400 body.
 */
public final class AnthropicRequestException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String field;

  public AnthropicRequestException(String message, String field) {
    super(message);
    this.field = field;
  }

  /** The offending field path, or null when the body as a whole is wrong (malformed JSON). */
  public String field() {
    return field;
  }

  public AnthropicError toError() {
    return AnthropicError.of(AnthropicError.INVALID_REQUEST, getMessage(), null);
  }
}
