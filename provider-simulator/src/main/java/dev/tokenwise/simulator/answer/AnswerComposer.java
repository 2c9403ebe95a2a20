package dev.tokenwise.simulator.answer;

import dev.tokenwise.common.tokens.TokenEstimator;
import dev.tokenwise.simulator.answer.Answer.Stop;
import dev.tokenwise.simulator.answer.Answer.ToolCall;
import dev.tokenwise.simulator.answer.Prompt.Output;
import dev.tokenwise.simulator.answer.Prompt.Tool;
import dev.tokenwise.simulator.answer.Prompt.ToolChoice.Mode;
import dev.tokenwise.simulator.quality.FinalAnswer.Kind;
import dev.tokenwise.simulator.quality.QualityWorld;
import dev.tokenwise.simulator.quality.Truth;
import dev.tokenwise.simulator.wire.BadSimulatorHeader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Composes the answer to a prompt. The same prompt always gets the same answer: a SHA-256 of the
 * question (and of the tool result, when there is one) picks the sentences, and the answer quotes
 * the start of the question so tests can tell answers apart. Whether the model gets it right is the
 * {@link QualityWorld}'s call; a prose answer carries the final answer that decision gives it.
 */
@Component
public class AnswerComposer {

  private static final List<String> SENTENCES =
      List.of(
          "The short answer is that it depends on the context you are working in.",
          "A good first step is to write down what you already know.",
          "Most teams find that measuring before optimising saves time.",
          "There are two common approaches, and each has trade-offs.",
          "The simplest option is usually the right place to start.",
          "It helps to check the documentation for the exact limits.",
          "In practice, small experiments reveal more than long debates.",
          "Keep an eye on cost as well as on latency.",
          "A cached answer is cheaper than a fresh one.",
          "Consider what happens when the input grows tenfold.",
          "Clear names make the result easier to review.",
          "Failures are easier to handle when they are expected.",
          "The numbers suggest a steady rather than a sudden change.",
          "You can verify this with a quick test.",
          "Most of the effort goes into the last few details.",
          "That is a reasonable assumption for a first version.");

  /** Asks for an answer of about this many tokens (before max-tokens caps and stop sequences). */
  public static final String LENGTH_HEADER = "x-simulator-answer-tokens";

  private static final int MAX_ANSWER_TOKENS = 100_000;

  private static final int QUOTED_WORDS = 12;
  private static final int QUOTED_CHARS = 80;

  private final TokenEstimator tokens = TokenEstimator.shared();
  private final QualityWorld world;

  public AnswerComposer(QualityWorld world) {
    this.world = world;
  }

  /**
   * The answer length a request asks for with {@value #LENGTH_HEADER}, or null.
   *
   * @throws BadSimulatorHeader when the value is not an integer from 1 to 100,000
   */
  public static Integer answerTokens(HttpHeaders headers) {
    String value = headers.getFirst(LENGTH_HEADER);
    if (value == null) {
      return null;
    }
    try {
      int tokens = Integer.parseInt(value.strip());
      if (tokens >= 1 && tokens <= MAX_ANSWER_TOKENS) {
        return tokens;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new BadSimulatorHeader(
        LENGTH_HEADER, "expected an integer from 1 to 100000, got '" + value + "'");
  }

  /** The answer to {@code prompt}. */
  public Answer compose(Prompt prompt) {
    byte[] hash = sha256(prompt.question() + '\u0000' + nullToEmpty(prompt.toolResult()));
    Tool tool = toolToCall(prompt);
    if (tool != null) {
      String preamble =
          // Claude writes a sentence before an unforced call only; a forced choice prefills
          // the tool call (Anthropic, "Forcing tool use").
          prompt.toolPreamble() && prompt.toolChoice().mode() == Mode.AUTO
              ? "I'll use the "
                  + tool.name()
                  + " tool to answer \""
                  + quote(prompt.question())
                  + "\"."
              : "";
      ObjectNode input = argumentsFor(tool.inputSchema(), prompt.question(), hash);
      ToolCall call = new ToolCall(tool.name(), input);
      long output =
          tokens.countText(prompt.model(), preamble)
              + tokens.countText(prompt.model(), tool.name() + input);
      return new Answer(preamble, call, Stop.TOOL_USE, null, output);
    }
    String text = fullText(prompt, hash);
    Stop stop = Stop.END_TURN;
    String stopSequence = null;
    int cut = text.length();
    for (String sequence : prompt.stopSequences()) {
      int at = sequence.isEmpty() ? -1 : text.indexOf(sequence);
      if (at >= 0 && at < cut) {
        cut = at;
        stopSequence = sequence;
      }
    }
    if (stopSequence != null) {
      text = text.substring(0, cut);
      stop = Stop.STOP_SEQUENCE;
    }
    long count = tokens.countText(prompt.model(), text);
    if (prompt.maxTokens() != null && count > prompt.maxTokens()) {
      text = truncate(prompt.model(), text, prompt.maxTokens());
      count = tokens.countText(prompt.model(), text);
      stop = Stop.MAX_TOKENS;
      stopSequence = null;
    }
    return new Answer(text, null, stop, stopSequence, count);
  }

  private String fullText(Prompt prompt, byte[] hash) {
    // Pretty-printed, so a max-tokens cut (at whitespace) leaves a prefix of the JSON, as a real
    // truncated structured answer does.
    if (prompt.output().kind() == Output.Kind.JSON_SCHEMA) {
      return valueFor(prompt.output().schema(), prompt.question(), hash, 0).toPrettyString();
    }
    Truth truth = world.truth(prompt.model(), prompt.question());
    world.served(truth);
    String prose = prose(prompt, hash, truth);
    return prompt.output().kind() == Output.Kind.TEXT
        ? prose
        : JsonNodeFactory.instance.objectNode().put("answer", prose).toPrettyString();
  }

  /**
   * The quote, the sentences and the final answer: a free-text answer states its fact after the
   * quote, where a max-tokens cut rarely reaches; a choice or a number comes last, on a line of its
   * own, as models asked to reason and then answer write it.
   */
  private String prose(Prompt prompt, byte[] hash, Truth truth) {
    StringBuilder text = new StringBuilder();
    if (prompt.toolResult() != null) {
      text.append("According to the tool result \"")
          .append(quote(prompt.toolResult()))
          .append("\", here is the answer to \"")
          .append(quote(prompt.question()))
          .append("\".");
    } else {
      text.append("You asked: \"").append(quote(prompt.question())).append("\".");
    }
    String last = "";
    if (truth.kind() == Kind.FACT) {
      text.append(" The deciding detail is the ").append(truth.finalAnswer()).append('.');
    } else {
      last = "\n\nAnswer: " + truth.finalAnswer();
    }
    int sentences = 2 + Byte.toUnsignedInt(hash[0]) % 3;
    for (int i = 0; i < sentences; i++) {
      text.append(' ').append(sentence(hash, i));
    }
    if (prompt.answerTokens() != null) {
      long lastTokens = last.isEmpty() ? 0 : tokens.countText(prompt.model(), last);
      if (prompt.answerTokens() <= lastTokens) {
        return truncate(prompt.model(), text + last, prompt.answerTokens());
      }
      int target = prompt.answerTokens() - (int) lastTokens;
      // Sentence counts add up to within a token or two of the whole: overshoot by a margin,
      // then cut exactly, so a long answer costs a linear number of tokenizer calls.
      long estimate = tokens.countText(prompt.model(), text.toString());
      for (int i = sentences; estimate < target + target / 10 + 8; i++) {
        String next = " " + sentence(hash, i);
        text.append(next);
        estimate += tokens.countText(prompt.model(), next);
      }
      return truncate(prompt.model(), text.toString(), target) + last;
    }
    return text + last;
  }

  /**
   * The {@code i}-th sentence: the hash picks a start and an odd stride, which with 16 sentences
   * visits every one before any repeats.
   */
  private static String sentence(byte[] hash, int i) {
    int start = Byte.toUnsignedInt(hash[1]);
    int stride = 2 * (Byte.toUnsignedInt(hash[2]) % 8) + 1;
    return SENTENCES.get((start + i * stride) % SENTENCES.size());
  }

  /** The longest prefix of whole pieces that fits in {@code max} tokens. */
  private String truncate(String model, String text, long max) {
    List<String> pieces = Answer.pieces(text);
    int[] ends = new int[pieces.size() + 1];
    for (int i = 0; i < pieces.size(); i++) {
      ends[i + 1] = ends[i] + pieces.get(i).length();
    }
    int low = 0;
    int high = pieces.size();
    while (low < high) {
      int mid = (low + high + 1) >>> 1;
      if (tokens.countText(model, text.substring(0, ends[mid])) <= max) {
        low = mid;
      } else {
        high = mid - 1;
      }
    }
    return text.substring(0, ends[low]);
  }

  private static Tool toolToCall(Prompt prompt) {
    if (prompt.tools().isEmpty()) {
      return null;
    }
    Mode mode = prompt.toolChoice().mode();
    return switch (mode) {
      case NONE -> null;
      case NAMED ->
          prompt.tools().stream()
              .filter(t -> t.name().equals(prompt.toolChoice().name()))
              .findFirst()
              .orElse(prompt.tools().get(0));
      case ANY -> {
        Tool mentioned = mentioned(prompt);
        yield mentioned != null ? mentioned : prompt.tools().get(0);
      }
      case AUTO -> prompt.toolResult() == null ? mentioned(prompt) : null;
    };
  }

  /** A tool whose name the question mentions, with or without its underscores. */
  private static Tool mentioned(Prompt prompt) {
    String question = prompt.question().toLowerCase(Locale.ROOT);
    for (Tool tool : prompt.tools()) {
      String name = tool.name().toLowerCase(Locale.ROOT);
      if (question.contains(name) || question.contains(name.replace('_', ' '))) {
        return tool;
      }
    }
    return null;
  }

  /** Arguments that satisfy a JSON Schema object: required properties (all when none required). */
  private static ObjectNode argumentsFor(JsonNode schema, String question, byte[] hash) {
    ObjectNode input = JsonNodeFactory.instance.objectNode();
    if (schema == null || !schema.path("properties").isObject()) {
      return input;
    }
    JsonNode required = schema.path("required");
    int i = 0;
    for (Map.Entry<String, JsonNode> property : schema.path("properties").properties()) {
      boolean wanted =
          !required.isArray() || required.isEmpty() || contains(required, property.getKey());
      if (wanted) {
        input.set(property.getKey(), valueFor(property.getValue(), question, hash, i++));
      }
    }
    return input;
  }

  private static JsonNode valueFor(JsonNode schema, String question, byte[] hash, int i) {
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    if (schema.has("const")) {
      return schema.get("const");
    }
    if (schema.path("enum").isArray() && !schema.path("enum").isEmpty()) {
      return schema.path("enum").get(0);
    }
    for (String alternatives : List.of("anyOf", "oneOf")) {
      if (schema.path(alternatives).isArray() && !schema.path(alternatives).isEmpty()) {
        return valueFor(schema.path(alternatives).get(0), question, hash, i);
      }
    }
    int number = 1 + Byte.toUnsignedInt(hash[(i + 7) % hash.length]) % 10;
    return switch (typeOf(schema)) {
      case "integer" -> nodes.numberNode(number);
      case "number" -> nodes.numberNode(number + 0.5);
      case "boolean" -> nodes.booleanNode(true);
      case "array" ->
          schema.path("items").isObject()
              ? nodes.arrayNode().add(valueFor(schema.path("items"), question, hash, i + 1))
              : nodes.arrayNode();
      case "object" -> argumentsFor(schema, question, hash);
      case "null" -> nodes.nullNode();
      default -> nodes.stringNode(quote(question).isEmpty() ? "example" : quote(question));
    };
  }

  private static String typeOf(JsonNode schema) {
    JsonNode type = schema.path("type");
    if (type.isArray()) {
      for (JsonNode t : type) {
        if (t.isString() && !"null".equals(t.stringValue())) {
          return t.stringValue();
        }
      }
      return "null";
    }
    return type.isString() ? type.stringValue() : "string";
  }

  private static boolean contains(JsonNode array, String value) {
    for (JsonNode element : array) {
      if (element.isString() && element.stringValue().equals(value)) {
        return true;
      }
    }
    return false;
  }

  /** The first words of {@code text}, on one line, short enough to quote. */
  static String quote(String text) {
    String[] words = text.strip().split("\\s+");
    String quoted =
        String.join(" ", List.of(words).subList(0, Math.min(words.length, QUOTED_WORDS)));
    quoted = quoted.replace('"', '\'');
    return quoted.length() <= QUOTED_CHARS ? quoted : quoted.substring(0, QUOTED_CHARS);
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
