package dev.tokenwise.router.routing;

import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * What the scorers read from a chat request: the text the user asked (the last user turn), how long
 * the whole conversation is, and whether it carries tools or a requested schema.
 *
 * @param question the last user message's text (what an embedding of the request should see)
 * @param totalChars characters of every message's text
 * @param turns user and assistant messages
 */
public record PromptSignals(
    String question, int totalChars, int turns, boolean tools, boolean schema) {

  private static final Pattern CODE =
      Pattern.compile(
          "```|\\b(def|class|public|return|import|function|SELECT|#include)\\b|[{};]\\s*\\n");
  private static final Pattern MATH =
      Pattern.compile(
          "\\d+\\s*[-+*/^=]\\s*\\d+|\\\\frac|\\bsqrt\\b|\\b(equation|integral|derivative|probability"
              + "|percent|how many|how much|total)\\b",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern REASONING =
      Pattern.compile(
          "\\b(prove|derive|explain why|step by step|analy[sz]e|compare|justify|evaluate|design"
              + "|optimi[sz]e|calculate|solve|infer|deduce|which of the following)\\b",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern NUMBER = Pattern.compile("\\d+(\\.\\d+)?");

  /** Signals of a bare prompt (one user turn, no tools, no schema), as in evaluation data. */
  public static PromptSignals ofText(String prompt) {
    return new PromptSignals(prompt, prompt.length(), 1, false, false);
  }

  /** Signals of an OpenAI chat request body. */
  public static PromptSignals ofOpenAiRequest(JsonNode request) {
    String question = "";
    int chars = 0;
    int turns = 0;
    for (JsonNode message : request.path("messages")) {
      String role = message.path("role").asString("");
      String text = text(message.path("content"));
      chars += text.length();
      if (role.equals("user") || role.equals("assistant")) {
        turns++;
      }
      if (role.equals("user")) {
        question = text;
      }
    }
    boolean tools = request.path("tools").isArray() && !request.path("tools").isEmpty();
    String format = request.path("response_format").path("type").asString("");
    boolean schema = format.equals("json_schema") || format.equals("json_object");
    return new PromptSignals(question, chars, turns, tools, schema);
  }

  /** Text of an OpenAI message content: a string, or the text parts of an array. */
  public static String text(JsonNode content) {
    if (content.isString()) {
      return content.asString();
    }
    if (!content.isArray()) {
      return "";
    }
    StringBuilder text = new StringBuilder();
    for (JsonNode part : content) {
      if (part.path("text").isString()) {
        if (!text.isEmpty()) {
          text.append('\n');
        }
        text.append(part.path("text").asString());
      }
    }
    return text.toString();
  }

  boolean hasCode() {
    return CODE.matcher(question).find();
  }

  boolean hasMath() {
    return MATH.matcher(question).find();
  }

  boolean hasReasoningVerb() {
    return REASONING.matcher(question).find();
  }

  int numbers() {
    var matcher = NUMBER.matcher(question);
    int count = 0;
    while (matcher.find()) {
      count++;
    }
    return count;
  }
}
