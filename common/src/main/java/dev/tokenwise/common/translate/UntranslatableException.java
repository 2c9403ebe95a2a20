package dev.tokenwise.common.translate;

/**
 * A request or response uses a feature the other provider's format cannot express ({@code n > 1}
 * for Anthropic, an audio part, a server tool for OpenAI...). Translation fails loudly rather than
 * silently dropping what the client asked for. {@link #field()} names the field, OpenAI style.
 */
public final class UntranslatableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String field;

  public UntranslatableException(String field, String message) {
    super(message);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
