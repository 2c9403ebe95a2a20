package dev.tokenwise.common.translate;

import static dev.tokenwise.common.openai.Fixtures.read;
import static dev.tokenwise.common.openai.Fixtures.written;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.anthropic.AnthropicMessageResponse;
import dev.tokenwise.common.openai.Fixtures;
import dev.tokenwise.common.openai.OpenAiChatResponse;
import dev.tokenwise.common.openai.OpenAiUsage;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResponseTranslatorTests {

  private final ResponseTranslator translator =
      new ResponseTranslator(Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC));

  @Test
  void schemaToolInputBecomesTheAnswerContentWithFinishReasonStop() {
    AnthropicMessageResponse response =
        Fixtures.MAPPER.readValue(
            """
            {"id": "msg_s", "type": "message", "role": "assistant", "model": "claude-haiku-4-5",
             "content": [{"type": "tool_use", "id": "toolu_s", "name": "city_report",
               "input": {"city": "Lisbon", "population": 545000, "climate": "mild"}}],
             "stop_reason": "tool_use", "stop_sequence": null,
             "usage": {"input_tokens": 40, "output_tokens": 12, "cache_read_input_tokens": 8}}
            """,
            AnthropicMessageResponse.class);

    OpenAiChatResponse openAi = translator.toOpenAi(response, "city_report");

    var choice = written(openAi).at("/choices/0");
    assertThat(Fixtures.MAPPER.readTree(choice.at("/message/content").asString()))
        .isEqualTo(
            Fixtures.MAPPER.readTree(
                "{\"city\": \"Lisbon\", \"population\": 545000, \"climate\": \"mild\"}"));
    assertThat(choice.at("/message").has("tool_calls")).isFalse();
    assertThat(choice.at("/finish_reason").asString()).isEqualTo("stop");
    assertThat(openAi.usage().promptTokens()).isEqualTo(48L);
    assertThat(openAi.usage().completionTokens()).isEqualTo(12L);
    // without the schema's name it is an ordinary tool call
    assertThat(translator.toOpenAi(response).choices().get(0).finishReason())
        .isEqualTo("tool_calls");
  }

  @Test
  void anthropicResponseBecomesChatCompletionWithCachedTokensInsidePromptTokens() {
    AnthropicMessageResponse response =
        read("anthropic/messages-response-basic.json", AnthropicMessageResponse.class);

    OpenAiChatResponse openAi = translator.toOpenAi(response);

    assertThat(written(openAi))
        .isEqualTo(
            Fixtures.MAPPER.readTree(
                """
                {"id": "msg_013Zva2CMHLNnXjNJJKqJ2EF", "object": "chat.completion",
                 "created": 1700000000, "model": "claude-sonnet-4-5-20250929",
                 "choices": [{"index": 0, "finish_reason": "stop",
                   "message": {"role": "assistant", "content": "Hi! My name is Claude."}}],
                 "usage": {"prompt_tokens": 6197, "completion_tokens": 503, "total_tokens": 6700,
                   "prompt_tokens_details": {"cached_tokens": 2051, "cache_write_tokens": 2051}}}
                """));
    // The documented example reports 2051 cache writes with a 5m/1h split of 0/0: the total wins.
    assertThat(NormalizedUsage.from(response.usage()))
        .isEqualTo(new NormalizedUsage(6197, 2051, 2051, 0, 503, 0));
    assertThat(NormalizedUsage.from(openAi.usage()))
        .isEqualTo(NormalizedUsage.from(response.usage()));
  }

  @Test
  void toolCallRoundTripsOpenAiToAnthropicAndBack() {
    OpenAiChatResponse original = read("openai/chat-response-tools.json", OpenAiChatResponse.class);

    AnthropicMessageResponse anthropic = translator.toAnthropic(original);

    assertThat(anthropic.stopReason()).isEqualTo("tool_use");
    assertThat(anthropic.content())
        .singleElement()
        .satisfies(
            block -> {
              assertThat(block.type()).isEqualTo("tool_use");
              assertThat(block.id()).isEqualTo("call_abc123");
              assertThat(block.name()).isEqualTo("get_current_weather");
              assertThat(block.input())
                  .isEqualTo(Fixtures.MAPPER.readTree("{\"location\": \"Boston, MA\"}"));
            });
    assertThat(anthropic.usage().inputTokens()).isEqualTo(82L);
    assertThat(anthropic.usage().outputTokens()).isEqualTo(17L);

    OpenAiChatResponse back = translator.toOpenAi(anthropic);

    var call = back.choices().get(0).message().toolCalls().get(0);
    assertThat(call.id()).isEqualTo("call_abc123");
    assertThat(call.function().name()).isEqualTo("get_current_weather");
    assertThat(Fixtures.MAPPER.readTree(call.function().arguments()))
        .isEqualTo(Fixtures.MAPPER.readTree("{\"location\": \"Boston, MA\"}"));
    assertThat(back.choices().get(0).message().content()).isNull();
    assertThat(back.finishReason()).isEqualTo("tool_calls");
    assertThat(back.usage().promptTokens()).isEqualTo(82L);
  }

  @Test
  void anthropicToolUseResponseKeepsItsTextAndCall() {
    OpenAiChatResponse openAi =
        translator.toOpenAi(
            read("anthropic/messages-response-tools.json", AnthropicMessageResponse.class));

    assertThat(openAi.choices().get(0).message().text())
        .isEqualTo("I'll check the current weather in San Francisco for you.");
    assertThat(openAi.choices().get(0).message().toolCalls().get(0).function().arguments())
        .isEqualTo("{\"location\":\"San Francisco, CA\",\"unit\":\"celsius\"}");
    assertThat(openAi.finishReason()).isEqualTo("tool_calls");
    assertThat(openAi.usage()).isNull();
  }

  @Test
  void openAiResponseBecomesAnthropicMessage() {
    AnthropicMessageResponse anthropic =
        translator.toAnthropic(read("openai/chat-response-default.json", OpenAiChatResponse.class));

    assertThat(written(anthropic))
        .isEqualTo(
            Fixtures.MAPPER.readTree(
                """
                {"id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT", "type": "message",
                 "role": "assistant", "model": "gpt-4.1-2025-04-14",
                 "content": [{"type": "text", "text": "Hello! How can I assist you today?"}],
                 "stop_reason": "end_turn",
                 "usage": {"input_tokens": 19, "output_tokens": 10,
                   "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}
                """));
  }

  @ParameterizedTest
  @CsvSource({
    "end_turn, stop",
    "stop_sequence, stop",
    "max_tokens, length",
    "tool_use, tool_calls",
    "refusal, content_filter",
    "pause_turn, stop"
  })
  void stopReasonsMapToFinishReasons(String stopReason, String finishReason) {
    assertThat(FinishReasons.toOpenAi(stopReason)).isEqualTo(finishReason);
  }

  @ParameterizedTest
  @CsvSource({
    "stop, end_turn",
    "length, max_tokens",
    "tool_calls, tool_use",
    "function_call, tool_use",
    "content_filter, refusal"
  })
  void finishReasonsMapToStopReasons(String finishReason, String stopReason) {
    assertThat(FinishReasons.toAnthropic(finishReason)).isEqualTo(stopReason);
  }

  @Test
  void usageSurvivesAnthropicToOpenAiAndBack() {
    var anthropic = dev.tokenwise.common.anthropic.AnthropicUsage.of(50, 30, 1000, 2000);

    OpenAiUsage openAi = UsageTranslator.toOpenAi(anthropic);

    assertThat(openAi.promptTokens()).isEqualTo(3050L);
    assertThat(openAi.cachedTokens()).isEqualTo(2000L);
    assertThat(openAi.cacheWriteTokens()).isEqualTo(1000L);
    assertThat(UsageTranslator.toAnthropic(openAi)).isEqualTo(anthropic);
  }
}
