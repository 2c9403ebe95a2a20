package dev.tokenwise.common.openai;

/**
 * A request body that is not a valid Chat Completions request. {@link #param()} names the offending
 * field the way OpenAI does ({@code messages[2].role}); {@link #toError()} is the 400 body.
 */
public final class OpenAiRequestException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String param;
  private final String code;

  public OpenAiRequestException(String message, String param, String code) {
    super(message);
    this.param = param;
    this.code = code;
  }

  /** The offending field path, or null when the body as a whole is wrong (malformed JSON). */
  public String param() {
    return param;
  }

  /** A machine-readable reason: {@code missing_required_parameter}, {@code invalid_type}, ... */
  public String code() {
    return code;
  }

  public OpenAiError toError() {
    return OpenAiError.of(getMessage(), OpenAiError.INVALID_REQUEST, param, code);
  }
}
