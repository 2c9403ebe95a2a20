package dev.tokenwise.common.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.anthropic.AnthropicStreamEvent;
import dev.tokenwise.common.anthropic.AnthropicUsage;
import dev.tokenwise.common.openai.Fixtures;
import dev.tokenwise.common.openai.OpenAiChatChunk;
import dev.tokenwise.common.openai.OpenAiToolCall;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class StreamTranslatorTests {

  private static final Clock CLOCK =
      Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);

  @Test
  void anthropicTextStreamBecomesChunksWithAFinalUsageChunk() {
    List<OpenAiChatChunk> chunks = toOpenAi("anthropic/stream-basic.txt", true);

    Assembled answer = Assembled.fromChunks(chunks);
    assertThat(answer.text).isEqualTo("Hello!");
    assertThat(answer.finishReason).isEqualTo("stop");
    assertThat(chunks.get(0).choices().get(0).delta().role()).isEqualTo("assistant");
    assertThat(chunks)
        .allSatisfy(
            chunk -> assertThat(chunk.id()).isEqualTo("msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY"));
    OpenAiChatChunk last = chunks.get(chunks.size() - 1);
    assertThat(last.choices()).isEmpty();
    assertThat(last.usage().promptTokens()).isEqualTo(25L);
    assertThat(last.usage().completionTokens()).isEqualTo(15L);
    assertThat(last.usage().totalTokens()).isEqualTo(40L);
  }

  @Test
  void withoutIncludeUsageNoUsageChunkIsSentButUsageIsStillKnown() {
    AnthropicToOpenAiStream stream = new AnthropicToOpenAiStream(CLOCK, false);
    List<OpenAiChatChunk> chunks = new ArrayList<>();
    for (AnthropicStreamEvent event : events("anthropic/stream-basic.txt")) {
      chunks.addAll(stream.accept(event));
    }

    assertThat(chunks).noneMatch(chunk -> chunk.usage() != null);
    assertThat(stream.normalizedUsage()).isEqualTo(new NormalizedUsage(25, 0, 0, 0, 15, 0));
    assertThat(stream.finishReason()).isEqualTo("stop");
  }

  @Test
  void anthropicToolUseStreamBecomesToolCallFragments() {
    List<OpenAiChatChunk> chunks = toOpenAi("anthropic/stream-tool-use.txt", true);

    Assembled answer = Assembled.fromChunks(chunks);
    assertThat(answer.text).isEqualTo("Okay, let's check the weather for San Francisco, CA:");
    assertThat(answer.toolCalls).containsOnlyKeys(0);
    assertThat(answer.toolIds.get(0)).isEqualTo("toolu_01T1x1fJ34qAmk2tNTrN7Up6");
    assertThat(answer.toolNames.get(0)).isEqualTo("get_weather");
    assertThat(Fixtures.MAPPER.readTree(answer.toolCalls.get(0).toString()))
        .isEqualTo(
            Fixtures.MAPPER.readTree(
                "{\"location\": \"San Francisco, CA\", \"unit\": \"fahrenheit\"}"));
    assertThat(answer.finishReason).isEqualTo("tool_calls");
    assertThat(chunks.get(chunks.size() - 1).usage().promptTokens()).isEqualTo(472L);
    assertThat(chunks.get(chunks.size() - 1).usage().completionTokens()).isEqualTo(89L);
  }

  @Test
  void schemaToolInputStreamsAsContentAndFinishesWithStop() {
    List<String> wire =
        List.of(
            """
            {"type": "message_start", "message": {"id": "msg_s", "type": "message",
             "role": "assistant", "model": "claude-haiku-4-5", "content": [],
             "stop_reason": null, "usage": {"input_tokens": 40, "output_tokens": 1}}}
            """,
            """
            {"type": "content_block_start", "index": 0, "content_block": {"type": "tool_use",
             "id": "toolu_s", "name": "city_report", "input": {}}}
            """,
            """
            {"type": "content_block_delta", "index": 0,
             "delta": {"type": "input_json_delta", "partial_json": ""}}
            """,
            """
            {"type": "content_block_delta", "index": 0,
             "delta": {"type": "input_json_delta", "partial_json": "{\\"city\\": \\"Lis"}}
            """,
            """
            {"type": "content_block_delta", "index": 0,
             "delta": {"type": "input_json_delta", "partial_json": "bon\\"}"}}
            """,
            """
            {"type": "content_block_stop", "index": 0}
            """,
            """
            {"type": "message_delta", "delta": {"stop_reason": "tool_use"},
             "usage": {"output_tokens": 12}}
            """,
            """
            {"type": "message_stop"}
            """);
    AnthropicToOpenAiStream stream = new AnthropicToOpenAiStream(CLOCK, true, "city_report");
    List<OpenAiChatChunk> chunks = new ArrayList<>();
    for (String data : wire) {
      chunks.addAll(stream.accept(Fixtures.MAPPER.readValue(data, AnthropicStreamEvent.class)));
    }

    Assembled answer = Assembled.fromChunks(chunks);
    assertThat(Fixtures.MAPPER.readTree(answer.text))
        .isEqualTo(Fixtures.MAPPER.readTree("{\"city\": \"Lisbon\"}"));
    assertThat(answer.toolCalls).isEmpty();
    assertThat(answer.finishReason).isEqualTo("stop");
    assertThat(stream.finishReason()).isEqualTo("stop");
    assertThat(chunks.get(chunks.size() - 1).usage().promptTokens()).isEqualTo(40L);
    assertThat(chunks.get(chunks.size() - 1).usage().completionTokens()).isEqualTo(12L);

    // another tool of the same stream stays a tool call
    List<OpenAiChatChunk> other = toOpenAi("anthropic/stream-tool-use.txt", true, "city_report");
    assertThat(Assembled.fromChunks(other).toolNames).containsValue("get_weather");
    assertThat(Assembled.fromChunks(other).finishReason).isEqualTo("tool_calls");
  }

  @Test
  void anthropicStreamErrorBecomesAnOpenAiErrorChunk() {
    AnthropicToOpenAiStream stream = new AnthropicToOpenAiStream(CLOCK, true);

    List<OpenAiChatChunk> chunks =
        stream.accept(new AnthropicStreamEvent.Error("overloaded_error", "Overloaded"));

    assertThat(chunks)
        .singleElement()
        .satisfies(
            chunk -> {
              assertThat(chunk.error().message()).isEqualTo("Overloaded");
              assertThat(chunk.error().type()).isEqualTo("server_error");
              assertThat(chunk.error().code()).isEqualTo("overloaded_error");
            });
  }

  @Test
  void openAiStreamWithUsageBecomesAnthropicEvents() {
    OpenAiToAnthropicStream stream = new OpenAiToAnthropicStream();
    List<AnthropicStreamEvent> events = new ArrayList<>();
    for (String data : Fixtures.sseData("openai/chat-stream-with-usage.txt")) {
      events.addAll(stream.accept(Fixtures.MAPPER.readValue(data, OpenAiChatChunk.class)));
    }
    events.addAll(stream.finish());

    assertThat(events)
        .extracting(AnthropicStreamEvent::type)
        .containsExactly(
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop");
    AnthropicStreamEvent.MessageDelta delta = (AnthropicStreamEvent.MessageDelta) events.get(4);
    assertThat(delta.stopReason()).isEqualTo("end_turn");
    // prompt_tokens 2006 of which 1920 cached: Anthropic counts 86 uncached input tokens.
    assertThat(delta.usage()).isEqualTo(AnthropicUsage.of(86, 300, 0, 1920));
    assertThat(stream.normalizedUsage()).isEqualTo(new NormalizedUsage(2006, 1920, 0, 0, 300, 0));
    assertThat(Assembled.fromEvents(events).text).isEqualTo("Hello");
    JsonNode start = Fixtures.written(events.get(0));
    assertThat(start.at("/message/id").asString()).isEqualTo("chatcmpl-123");
    assertThat(start.at("/message/model").asString()).isEqualTo("gpt-4o-mini");
  }

  @Test
  void openAiParallelToolCallsBecomeOneToolUseBlockEach() {
    String[] chunks = {
      "{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
          + "\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\","
          + "\"function\":{\"name\":\"w\",\"arguments\":\"\"}}]}}]}",
      "{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":"
          + "[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]}}]}",
      "{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":"
          + "[{\"index\":1,\"id\":\"call_b\",\"type\":\"function\",\"function\":{\"name\":\"w\","
          + "\"arguments\":\"{\\\"city\\\":\\\"Rome\\\"}\"}}]}}]}",
      "{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},"
          + "\"finish_reason\":\"tool_calls\"}]}",
    };
    OpenAiToAnthropicStream stream = new OpenAiToAnthropicStream();
    List<AnthropicStreamEvent> events = new ArrayList<>();
    for (String chunk : chunks) {
      events.addAll(stream.accept(Fixtures.MAPPER.readValue(chunk, OpenAiChatChunk.class)));
    }
    events.addAll(stream.finish());

    Assembled answer = Assembled.fromEvents(events);
    assertThat(answer.toolIds).containsExactly(Map.entry(0, "call_a"), Map.entry(1, "call_b"));
    assertThat(answer.toolCalls.get(0).toString()).isEqualTo("{\"city\":\"Paris\"}");
    assertThat(answer.toolCalls.get(1).toString()).isEqualTo("{\"city\":\"Rome\"}");
    assertThat(answer.finishReason).isEqualTo("tool_use");
    assertThat(events)
        .extracting(AnthropicStreamEvent::type)
        .containsExactly(
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop");
  }

  @Test
  void openAiMidStreamErrorBecomesAnAnthropicErrorEvent() {
    OpenAiToAnthropicStream stream = new OpenAiToAnthropicStream();

    List<AnthropicStreamEvent> events =
        stream.accept(
            Fixtures.MAPPER.readValue(
                "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\",\"param\":null,"
                    + "\"code\":null}}",
                OpenAiChatChunk.class));

    assertThat(events)
        .extracting(AnthropicStreamEvent::type)
        .containsExactly("message_start", "error");
    assertThat(Fixtures.written(events.get(1)))
        .isEqualTo(
            Fixtures.MAPPER.readTree(
                "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"boom\"}}"));
  }

  @Test
  void toolUseStreamRoundTripsThroughOpenAiChunks() {
    List<AnthropicStreamEvent> original = events("anthropic/stream-tool-use.txt");
    AnthropicToOpenAiStream toOpenAi = new AnthropicToOpenAiStream(CLOCK, true);
    OpenAiToAnthropicStream back = new OpenAiToAnthropicStream();
    List<AnthropicStreamEvent> translated = new ArrayList<>();
    for (AnthropicStreamEvent event : original) {
      for (OpenAiChatChunk chunk : toOpenAi.accept(event)) {
        translated.addAll(back.accept(chunk));
      }
    }
    translated.addAll(back.finish());

    Assembled before = Assembled.fromEvents(original);
    Assembled after = Assembled.fromEvents(translated);
    assertThat(after.text).isEqualTo(before.text);
    assertThat(after.toolIds).isEqualTo(before.toolIds);
    assertThat(after.toolNames).isEqualTo(before.toolNames);
    assertThat(after.toolCalls.get(1).toString()).isEqualTo(before.toolCalls.get(1).toString());
    assertThat(after.finishReason).isEqualTo("tool_use");
    assertThat(back.normalizedUsage()).isEqualTo(new NormalizedUsage(472, 0, 0, 0, 89, 0));
    assertThat(translated.get(translated.size() - 1))
        .isInstanceOf(AnthropicStreamEvent.MessageStop.class);
  }

  private static List<AnthropicStreamEvent> events(String fixture) {
    return Fixtures.sseData(fixture).stream()
        .map(data -> Fixtures.MAPPER.readValue(data, AnthropicStreamEvent.class))
        .toList();
  }

  private static List<OpenAiChatChunk> toOpenAi(String fixture, boolean includeUsage) {
    return toOpenAi(fixture, includeUsage, null);
  }

  private static List<OpenAiChatChunk> toOpenAi(
      String fixture, boolean includeUsage, String structuredTool) {
    AnthropicToOpenAiStream stream =
        new AnthropicToOpenAiStream(CLOCK, includeUsage, structuredTool);
    List<OpenAiChatChunk> chunks = new ArrayList<>();
    for (AnthropicStreamEvent event : events(fixture)) {
      chunks.addAll(stream.accept(event));
    }
    return chunks;
  }

  /** What a client would assemble from a stream: text, tool calls by index, finish reason. */
  private static final class Assembled {
    final StringBuilder textBuilder = new StringBuilder();
    final Map<Integer, StringBuilder> toolCalls = new LinkedHashMap<>();
    final Map<Integer, String> toolIds = new LinkedHashMap<>();
    final Map<Integer, String> toolNames = new LinkedHashMap<>();
    String text;
    String finishReason;

    static Assembled fromChunks(List<OpenAiChatChunk> chunks) {
      Assembled a = new Assembled();
      for (OpenAiChatChunk chunk : chunks) {
        if (chunk.choices() == null || chunk.choices().isEmpty()) {
          continue;
        }
        OpenAiChatChunk.Choice choice = chunk.choices().get(0);
        if (choice.delta().content() != null) {
          a.textBuilder.append(choice.delta().content());
        }
        if (choice.delta().toolCalls() != null) {
          for (OpenAiToolCall call : choice.delta().toolCalls()) {
            if (call.id() != null) {
              a.toolIds.put(call.index(), call.id());
              a.toolNames.put(call.index(), call.function().name());
            }
            a.toolCalls
                .computeIfAbsent(call.index(), i -> new StringBuilder())
                .append(call.function().arguments());
          }
        }
        if (choice.finishReason() != null) {
          a.finishReason = choice.finishReason();
        }
      }
      a.text = a.textBuilder.toString();
      return a;
    }

    /** Tool maps are keyed by position among blocks of any kind, so both sides compare. */
    static Assembled fromEvents(List<AnthropicStreamEvent> events) {
      Assembled a = new Assembled();
      for (AnthropicStreamEvent event : events) {
        if (event instanceof AnthropicStreamEvent.ContentBlockStart start
            && "tool_use".equals(start.contentBlock().type())) {
          a.toolIds.put(start.index(), start.contentBlock().id());
          a.toolNames.put(start.index(), start.contentBlock().name());
          a.toolCalls.put(start.index(), new StringBuilder());
        } else if (event instanceof AnthropicStreamEvent.ContentBlockDelta delta) {
          if (delta.delta().text() != null) {
            a.textBuilder.append(delta.delta().text());
          }
          if (delta.delta().partialJson() != null) {
            a.toolCalls.get(delta.index()).append(delta.delta().partialJson());
          }
        } else if (event instanceof AnthropicStreamEvent.MessageDelta delta) {
          a.finishReason = delta.stopReason();
        }
      }
      a.text = a.textBuilder.toString();
      return a;
    }
  }
}
