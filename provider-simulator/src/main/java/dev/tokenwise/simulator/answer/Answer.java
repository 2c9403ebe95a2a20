package dev.tokenwise.simulator.answer;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/**
 * A composed answer.
 *
 * @param text the answer text (for a tool call, the optional preamble; may be empty)
 * @param toolCall the tool call, or null
 * @param stop why the answer ended
 * @param stopSequence the stop sequence that ended it, or null
 * @param outputTokens output tokens, counted with the model's tokenizer
 */
public record Answer(
    String text, ToolCall toolCall, Stop stop, String stopSequence, long outputTokens) {

  /** Why an answer ended, in provider-neutral terms. */
  public enum Stop {
    END_TURN,
    MAX_TOKENS,
    STOP_SEQUENCE,
    TOOL_USE
  }

  /** A call of one tool with arguments matching its schema. */
  public record ToolCall(String name, ObjectNode input) {

    private static final int PIECE_CHARS = 8;

    /** The input as compact JSON, cut into the small pieces both providers stream it in. */
    public List<String> inputPieces() {
      String json = input.toString();
      List<String> pieces = new ArrayList<>();
      for (int i = 0; i < json.length(); i += PIECE_CHARS) {
        pieces.add(json.substring(i, Math.min(json.length(), i + PIECE_CHARS)));
      }
      return pieces;
    }
  }

  /**
   * The text cut where a streaming model would emit deltas: one word each, with the whitespace
   * before it, so the pieces concatenate to the text.
   */
  public List<String> textPieces() {
    return pieces(text);
  }

  static List<String> pieces(String text) {
    List<String> pieces = new ArrayList<>();
    int start = 0;
    for (int i = 1; i < text.length(); i++) {
      if (Character.isWhitespace(text.charAt(i)) && !Character.isWhitespace(text.charAt(i - 1))) {
        pieces.add(text.substring(start, i));
        start = i;
      }
    }
    if (start < text.length()) {
      pieces.add(text.substring(start));
    }
    return pieces;
  }
}
