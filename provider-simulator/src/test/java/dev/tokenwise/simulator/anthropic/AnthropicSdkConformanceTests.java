package dev.tokenwise.simulator.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.OverloadedException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.errors.SseException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageContentParam;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolChoiceTool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import dev.tokenwise.simulator.quality.QualityWorld;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The official Anthropic Java SDK, pointed at the simulator, parses every answer (with response
 * validation on) and gets the values the simulator meant.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AnthropicSdkConformanceTests {

  @LocalServerPort int port;
  @Autowired QualityWorld quality;

  AnthropicClient client;

  @BeforeEach
  void client() {
    client =
        AnthropicOkHttpClient.builder()
            .apiKey("sk-ant-test")
            .baseUrl("http://localhost:" + port)
            .maxRetries(0)
            .responseValidation(true)
            .timeout(Duration.ofSeconds(20))
            .build();
  }

  private static MessageCreateParams.Builder ask(String question) {
    return MessageCreateParams.builder()
        .model("claude-sonnet-4-5")
        .maxTokens(1024)
        .system("You are terse.")
        .addUserMessage(question);
  }

  @Test
  void answersAMessageWithUsage() {
    Message message = client.messages().create(ask("How do prompt caches work?").build());

    assertThat(message.id()).startsWith("msg_");
    assertThat(message.model().asString()).isEqualTo("claude-sonnet-4-5-20250929");
    assertThat(message.stopReason()).contains(StopReason.END_TURN);
    assertThat(message.content()).hasSize(1);
    assertThat(message.content().get(0).asText().text()).contains("How do prompt caches work?");
    assertThat(message.usage().inputTokens()).isPositive();
    assertThat(message.usage().outputTokens()).isPositive();
    assertThat(message.usage().cacheReadInputTokens()).contains(0L);
  }

  @Test
  void countsTokensAsTheMessageWouldUseThem() {
    Message message = client.messages().create(ask("How many tokens is this?").build());

    long counted =
        client
            .messages()
            .countTokens(
                MessageCountTokensParams.builder()
                    .model("claude-sonnet-4-5")
                    .system("You are terse.")
                    .addUserMessage("How many tokens is this?")
                    .build())
            .inputTokens();

    assertThat(counted).isEqualTo(message.usage().inputTokens());
  }

  @Test
  void aStreamedChoiceEndsWithTheFinalAnswerTheQualityWorldHoldsTrue() {
    String question = "Which HTTP status means rate limited?\nA) 404\nB) 429\nC) 500\nD) 503";
    MessageCreateParams params = ask(question).model("claude-haiku-4-5").build();
    MessageAccumulator accumulator = MessageAccumulator.create();
    try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params)) {
      stream.stream().forEach(accumulator::accumulate);
    }

    String text = accumulator.message().content().get(0).asText().text();
    assertThat(text)
        .endsWith("\n\nAnswer: " + quality.truth("claude-haiku-4-5", question).finalAnswer());
  }

  @Test
  void streamAccumulatesToTheSameMessage() {
    MessageCreateParams params = ask("Describe a stream of events").build();
    MessageAccumulator accumulator = MessageAccumulator.create();
    List<RawMessageStreamEvent> events = new ArrayList<>();
    try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params)) {
      stream.stream().forEach(event -> events.add(accumulator.accumulate(event)));
    }

    Message streamed = accumulator.message();
    Message plain = client.messages().create(params);
    assertThat(events.get(0).isMessageStart()).isTrue();
    assertThat(events.get(0).asMessageStart().message().usage().inputTokens())
        .isEqualTo(plain.usage().inputTokens());
    assertThat(events).anyMatch(RawMessageStreamEvent::isContentBlockDelta);
    assertThat(events.get(events.size() - 2).isMessageDelta()).isTrue();
    assertThat(events.get(events.size() - 1).isMessageStop()).isTrue();
    assertThat(streamed.content().get(0).asText().text())
        .isEqualTo(plain.content().get(0).asText().text());
    assertThat(streamed.stopReason()).contains(StopReason.END_TURN);
    assertThat(streamed.usage().outputTokens()).isEqualTo(plain.usage().outputTokens());
  }

  @Test
  void callsAForcedToolInBothModesAndThenUsesItsResult() {
    Tool weather =
        Tool.builder()
            .name("get_weather")
            .description("Current weather for a city")
            .inputSchema(
                Tool.InputSchema.builder()
                    .properties(
                        Tool.InputSchema.Properties.builder()
                            .putAdditionalProperty("city", JsonValue.from(Map.of("type", "string")))
                            .putAdditionalProperty(
                                "days", JsonValue.from(Map.of("type", "integer")))
                            .build())
                    .required(List.of("city"))
                    .build())
            .build();
    MessageCreateParams params =
        ask("Will it rain in Lisbon?")
            .addTool(weather)
            .toolChoice(ToolChoiceTool.builder().name("get_weather").build())
            .build();

    Message call = client.messages().create(params);
    MessageAccumulator accumulator = MessageAccumulator.create();
    try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params)) {
      stream.stream().forEach(accumulator::accumulate);
    }

    assertThat(call.stopReason()).contains(StopReason.TOOL_USE);
    assertThat(call.content()).hasSize(1);
    ToolUseBlock toolUse =
        call.content().stream()
            .filter(ContentBlock::isToolUse)
            .findFirst()
            .orElseThrow()
            .asToolUse();
    assertThat(toolUse.name()).isEqualTo("get_weather");
    assertThat(toolUse.id()).startsWith("toolu_");
    @SuppressWarnings("unchecked")
    Map<String, Object> input = toolUse._input().convert(Map.class);
    assertThat(input).containsOnlyKeys("city");
    Message streamed = accumulator.message();
    assertThat(streamed.stopReason()).contains(StopReason.TOOL_USE);
    ToolUseBlock streamedUse =
        streamed.content().stream()
            .filter(ContentBlock::isToolUse)
            .findFirst()
            .orElseThrow()
            .asToolUse();
    assertThat(streamedUse._input().convert(Map.class)).isEqualTo(input);

    Message answer =
        client
            .messages()
            .create(
                ask("Will it rain in Lisbon?")
                    .addTool(weather)
                    .addMessage(call)
                    .addUserMessage(
                        MessageContentParam.ofContentBlockParams(
                            List.of(
                                ContentBlockParam.ofToolResult(
                                    ToolResultBlockParam.builder()
                                        .toolUseId(toolUse.id())
                                        .content("18 degrees and sunny")
                                        .build()))))
                    .build());
    assertThat(answer.stopReason()).contains(StopReason.END_TURN);
    assertThat(answer.content().get(0).asText().text()).contains("18 degrees and sunny");
  }

  @Test
  void honoursMaxTokensAndStopSequences() {
    Message capped =
        client.messages().create(ask("Tell me everything about caching").maxTokens(4).build());
    Message full = client.messages().create(ask("Tell me everything about caching").build());
    String stopWord = full.content().get(0).asText().text().split(" ")[3];
    Message stopped =
        client
            .messages()
            .create(ask("Tell me everything about caching").addStopSequence(stopWord).build());

    assertThat(capped.stopReason()).contains(StopReason.MAX_TOKENS);
    assertThat(capped.usage().outputTokens()).isBetween(1L, 4L);
    assertThat(stopped.stopReason()).contains(StopReason.STOP_SEQUENCE);
    assertThat(stopped.stopSequence()).contains(stopWord);
    assertThat(stopped.content().get(0).asText().text()).doesNotContain(stopWord);
  }

  @Test
  void overloadedFaultBecomesTheSdksOverloadedException() {
    MessageCreateParams params =
        ask("hello").putAdditionalHeader("x-simulator-fault", "529").build();

    assertThatThrownBy(() -> client.messages().create(params))
        .isInstanceOfSatisfying(
            OverloadedException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(529);
              assertThat(e.getMessage()).contains("Overloaded");
              assertThat(e.requestId()).get().asString().startsWith("req_");
            });
  }

  @Test
  void midStreamErrorEventBecomesTheSdksSseException() {
    MessageCreateParams params =
        ask("hello there").putAdditionalHeader("x-simulator-fault", "stream-error").build();
    List<RawMessageStreamEvent> events = new ArrayList<>();

    assertThatThrownBy(
            () -> {
              try (StreamResponse<RawMessageStreamEvent> stream =
                  client.messages().createStreaming(params)) {
                stream.stream().forEach(events::add);
              }
            })
        .isInstanceOfSatisfying(
            SseException.class, e -> assertThat(e.getMessage()).contains("Overloaded"));
    assertThat(events).isNotEmpty();
    assertThat(events.get(0).isMessageStart()).isTrue();
  }

  @Test
  void rateLimitFaultBecomesTheSdksRateLimitException() {
    MessageCreateParams params =
        ask("hello").putAdditionalHeader("x-simulator-fault", "429").build();

    assertThatThrownBy(() -> client.messages().create(params))
        .isInstanceOfSatisfying(
            RateLimitException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(429);
              assertThat(e.headers().values("retry-after")).containsExactly("1");
              assertThat(e.headers().values("anthropic-ratelimit-requests-remaining"))
                  .containsExactly("0");
            });
  }

  @Test
  void unknownModelAndBadMaxTokensAreTheApisErrors() {
    assertThatThrownBy(() -> client.messages().create(ask("hello").model("claude-9").build()))
        .isInstanceOfSatisfying(
            NotFoundException.class, e -> assertThat(e.getMessage()).contains("model: claude-9"));
    assertThatThrownBy(() -> client.messages().create(ask("hello").maxTokens(0).build()))
        .isInstanceOfSatisfying(
            BadRequestException.class,
            e ->
                assertThat(e.getMessage())
                    .contains("max_tokens: Input should be greater than or equal to 1"));
  }
}
