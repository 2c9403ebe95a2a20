package dev.tokenwise.simulator.answer;

import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * What the answer depends on, read from either provider's request.
 *
 * @param model the requested model, which picks the tokenizer for counting
 * @param question the text of the last user message
 * @param toolResult the text of the tool result the conversation ends with, or null
 * @param tools the tools the request offers
 * @param toolChoice how the request wants tools used
 * @param toolPreamble whether an unforced tool call is preceded by a sentence of text (Claude does
 *     this, GPT does not)
 * @param maxTokens the output cap, or null for none
 * @param stopSequences sequences that end the answer where they first occur
 * @param output the shape of the answer text: prose or JSON
 * @param answerTokens the length, in tokens, the answer should come close to without exceeding (it
 *     ends at a whole word), before caps and stop sequences; null for a short answer
 */
public record Prompt(
    String model,
    String question,
    String toolResult,
    List<Tool> tools,
    ToolChoice toolChoice,
    boolean toolPreamble,
    Long maxTokens,
    List<String> stopSequences,
    Integer answerTokens,
    Output output) {

  public Prompt {
    question = question == null ? "" : question;
    tools = List.copyOf(tools);
    stopSequences = List.copyOf(stopSequences);
    output = output == null ? Output.TEXT : output;
  }

  /** A prompt whose answer is prose. */
  public Prompt(
      String model,
      String question,
      String toolResult,
      List<Tool> tools,
      ToolChoice toolChoice,
      boolean toolPreamble,
      Long maxTokens,
      List<String> stopSequences,
      Integer answerTokens) {
    this(
        model,
        question,
        toolResult,
        tools,
        toolChoice,
        toolPreamble,
        maxTokens,
        stopSequences,
        answerTokens,
        Output.TEXT);
  }

  /**
   * The shape the request asks the answer text to take; {@code schema} is set only for {@link
   * Kind#JSON_SCHEMA}.
   */
  public record Output(Kind kind, JsonNode schema) {

    public static final Output TEXT = new Output(Kind.TEXT, null);

    /** Answer shapes (OpenAI {@code response_format} types). */
    public enum Kind {
      /** Prose. */
      TEXT,
      /** Some JSON object: {@code {"answer": <prose>}}. */
      JSON_OBJECT,
      /** A JSON instance of the schema. */
      JSON_SCHEMA
    }
  }

  /** A tool the model may call; {@code inputSchema} is its JSON Schema (may be missing). */
  public record Tool(String name, JsonNode inputSchema) {}

  /** How the request wants tools used; {@code name} is set only for {@link Mode#NAMED}. */
  public record ToolChoice(Mode mode, String name) {

    public static final ToolChoice AUTO = new ToolChoice(Mode.AUTO, null);

    /** Tool-use modes common to both providers. */
    public enum Mode {
      /** The model decides: here, it calls a tool the question mentions by name. */
      AUTO,
      /** No tool call. */
      NONE,
      /** Some tool must be called (OpenAI {@code required}, Anthropic {@code any}). */
      ANY,
      /** The named tool must be called. */
      NAMED
    }
  }
}
