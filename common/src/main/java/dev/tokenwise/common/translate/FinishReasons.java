package dev.tokenwise.common.translate;

/**
 * Maps Anthropic's {@code stop_reason} to OpenAI's {@code finish_reason} and back. Anthropic:
 * {@code end_turn|max_tokens|stop_sequence|tool_use|pause_turn|refusal}; OpenAI: {@code
 * stop|length|tool_calls|content_filter|function_call}.
 */
public final class FinishReasons {

  private FinishReasons() {}

  /** Null stays null (a stream has not finished); an unknown reason becomes {@code stop}. */
  public static String toOpenAi(String stopReason) {
    if (stopReason == null) {
      return null;
    }
    return switch (stopReason) {
      case "max_tokens", "model_context_window_exceeded" -> "length";
      case "tool_use" -> "tool_calls";
      case "refusal" -> "content_filter";
      default -> "stop";
    };
  }

  /**
   * Null stays null; {@code stop} becomes {@code end_turn} unless the caller knows a stop sequence
   * matched (OpenAI does not say which).
   */
  public static String toAnthropic(String finishReason) {
    if (finishReason == null) {
      return null;
    }
    return switch (finishReason) {
      case "length" -> "max_tokens";
      case "tool_calls", "function_call" -> "tool_use";
      case "content_filter" -> "refusal";
      default -> "end_turn";
    };
  }
}
