package dev.tokenwise.simulator.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.InternalServerException;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.errors.SseException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletion.Choice.FinishReason;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.models.Model;
import dev.tokenwise.simulator.quality.QualityWorld;
import dev.tokenwise.simulator.quality.Truth;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The official OpenAI Java SDK, pointed at the simulator, parses every answer (with response
 * validation on) and gets the values the simulator meant.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OpenAiSdkConformanceTests {

  @LocalServerPort int port;
  @Autowired QualityWorld quality;

  OpenAIClient client;

  @BeforeEach
  void client() {
    client =
        OpenAIOkHttpClient.builder()
            .apiKey("sk-test")
            .baseUrl("http://localhost:" + port + "/v1")
            .maxRetries(0)
            .responseValidation(true)
            .timeout(Duration.ofSeconds(20))
            .build();
  }

  @Test
  void answersAChatCompletionWithUsage() {
    ChatCompletion completion =
        client
            .chat()
            .completions()
            .create(
                ChatCompletionCreateParams.builder()
                    .model("gpt-5-mini")
                    .addSystemMessage("You are terse.")
                    .addUserMessage("What is a token bucket?")
                    .build());

    assertThat(completion.model()).isEqualTo("gpt-5-mini-2025-08-07");
    assertThat(completion.id()).startsWith("chatcmpl-");
    ChatCompletion.Choice choice = completion.choices().get(0);
    assertThat(choice.finishReason()).isEqualTo(FinishReason.STOP);
    assertThat(choice.message().content()).get().asString().contains("What is a token bucket?");
    assertThat(completion.usage())
        .get()
        .satisfies(
            usage -> {
              assertThat(usage.promptTokens()).isPositive();
              assertThat(usage.completionTokens()).isPositive();
              assertThat(usage.totalTokens())
                  .isEqualTo(usage.promptTokens() + usage.completionTokens());
              assertThat(usage.promptTokensDetails().get().cachedTokens()).contains(0L);
            });
  }

  @Test
  void modelsThatAreRightAgreeOnTheFinalAnswerAndAWrongOneDoesNot() {
    String question =
        "Which structure gives O(1) average lookups?\nA) list\nB) heap\nC) hash map\nD) tree";
    Map<String, String> lastLines = new java.util.HashMap<>();
    for (String model : List.of("gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-4o-mini")) {
      String text =
          client
              .chat()
              .completions()
              .create(
                  ChatCompletionCreateParams.builder()
                      .model(model)
                      .addUserMessage(question)
                      .build())
              .choices()
              .get(0)
              .message()
              .content()
              .orElseThrow();
      lastLines.put(model, text.substring(text.lastIndexOf('\n') + 1));
    }

    lastLines.forEach(
        (model, line) -> {
          Truth truth = quality.truth(model, question);
          assertThat(line).isEqualTo("Answer: " + truth.finalAnswer());
          if (truth.right()) {
            assertThat(line).isEqualTo("Answer: " + truth.correctAnswer());
          } else {
            assertThat(line).isNotEqualTo("Answer: " + truth.correctAnswer());
          }
        });
  }

  @Test
  void streamsChunksAndAFinalUsageChunk() {
    ChatCompletionCreateParams params =
        ChatCompletionCreateParams.builder()
            .model("gpt-4.1-mini")
            .addUserMessage("Explain streaming in one paragraph")
            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
            .build();
    ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(params)) {
      stream.stream().forEach(chunk -> chunks.add(accumulator.accumulate(chunk)));
    }

    ChatCompletion streamed = accumulator.chatCompletion();
    ChatCompletion plain =
        client
            .chat()
            .completions()
            .create(params.toBuilder().streamOptions(Optional.empty()).build());
    assertThat(chunks.size()).isGreaterThan(3);
    assertThat(chunks.get(chunks.size() - 1).choices()).isEmpty();
    assertThat(chunks.get(chunks.size() - 1).usage()).isPresent();
    assertThat(streamed.choices().get(0).message().content())
        .isEqualTo(plain.choices().get(0).message().content());
    assertThat(streamed.choices().get(0).finishReason()).isEqualTo(FinishReason.STOP);
    assertThat(streamed.usage().get().completionTokens())
        .isEqualTo(plain.usage().get().completionTokens());
    assertThat(streamed.usage().get().promptTokens()).isEqualTo(plain.usage().get().promptTokens());
  }

  @Test
  void callsAForcedToolAndThenUsesItsResult() {
    FunctionDefinition weather =
        FunctionDefinition.builder()
            .name("get_weather")
            .description("Current weather for a city")
            .parameters(
                FunctionParameters.builder()
                    .putAdditionalProperty("type", JsonValue.from("object"))
                    .putAdditionalProperty(
                        "properties",
                        JsonValue.from(
                            Map.of(
                                "city", Map.of("type", "string"),
                                "days", Map.of("type", "integer"),
                                "unit", Map.of("type", "string", "enum", List.of("celsius", "f")))))
                    .putAdditionalProperty(
                        "required", JsonValue.from(List.of("city", "days", "unit")))
                    .build())
            .build();
    ChatCompletionCreateParams ask =
        ChatCompletionCreateParams.builder()
            .model("gpt-5")
            .addUserMessage("Will it rain in Lisbon?")
            .addFunctionTool(weather)
            .toolChoice(
                ChatCompletionToolChoiceOption.ofNamedToolChoice(
                    ChatCompletionNamedToolChoice.builder()
                        .function(
                            ChatCompletionNamedToolChoice.Function.builder()
                                .name("get_weather")
                                .build())
                        .build()))
            .build();

    ChatCompletion call = client.chat().completions().create(ask);

    assertThat(call.choices().get(0).finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
    ChatCompletionMessageFunctionToolCall toolCall =
        call.choices().get(0).message().toolCalls().get().get(0).asFunction();
    assertThat(toolCall.function().name()).isEqualTo("get_weather");
    @SuppressWarnings("unchecked")
    Map<String, Object> arguments = toolCall.function().arguments(Map.class);
    assertThat(arguments).containsOnlyKeys("city", "days", "unit").containsEntry("unit", "celsius");
    assertThat(arguments.get("days")).isInstanceOf(Integer.class);

    ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(ask)) {
      stream.stream().forEach(accumulator::accumulate);
    }
    ChatCompletionMessageFunctionToolCall streamedCall =
        accumulator
            .chatCompletion()
            .choices()
            .get(0)
            .message()
            .toolCalls()
            .get()
            .get(0)
            .asFunction();
    assertThat(streamedCall.function().arguments()).isEqualTo(toolCall.function().arguments());

    ChatCompletion answer =
        client
            .chat()
            .completions()
            .create(
                ask.toBuilder()
                    .addMessage(call.choices().get(0).message())
                    .addMessage(
                        ChatCompletionToolMessageParam.builder()
                            .toolCallId(toolCall.id())
                            .content("18 degrees and sunny")
                            .build())
                    .toolChoice(ChatCompletionToolChoiceOption.Auto.AUTO)
                    .build());
    assertThat(answer.choices().get(0).finishReason()).isEqualTo(FinishReason.STOP);
    assertThat(answer.choices().get(0).message().content())
        .get()
        .asString()
        .contains("18 degrees and sunny");
  }

  @Test
  void capsTheAnswerAtMaxCompletionTokens() {
    ChatCompletion completion =
        client
            .chat()
            .completions()
            .create(
                ChatCompletionCreateParams.builder()
                    .model("gpt-5-nano")
                    .addUserMessage("Tell me everything about caching")
                    .maxCompletionTokens(5)
                    .build());

    assertThat(completion.choices().get(0).finishReason()).isEqualTo(FinishReason.LENGTH);
    assertThat(completion.usage().get().completionTokens()).isBetween(1L, 5L);
  }

  @Test
  void rateLimitFaultBecomesTheSdksRateLimitException() {
    ChatCompletionCreateParams params =
        ChatCompletionCreateParams.builder()
            .model("gpt-5-mini")
            .addUserMessage("hello")
            .putAdditionalHeader("x-simulator-fault", "429")
            .build();

    assertThatThrownBy(() -> client.chat().completions().create(params))
        .isInstanceOfSatisfying(
            RateLimitException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(429);
              assertThat(e.code()).contains("rate_limit_exceeded");
              assertThat(e.getMessage()).contains("Rate limit reached for gpt-5-mini");
              assertThat(e.headers().values("retry-after")).containsExactly("1");
              assertThat(e.headers().values("x-ratelimit-remaining-requests")).containsExactly("0");
            });
  }

  @Test
  void midStreamErrorBecomesTheSdksSseException() {
    ChatCompletionCreateParams params =
        ChatCompletionCreateParams.builder()
            .model("gpt-5-mini")
            .addUserMessage("hello there")
            .putAdditionalHeader("x-simulator-fault", "stream-error")
            .build();
    List<ChatCompletionChunk> chunks = new ArrayList<>();

    assertThatThrownBy(
            () -> {
              try (StreamResponse<ChatCompletionChunk> stream =
                  client.chat().completions().createStreaming(params)) {
                stream.stream().forEach(chunks::add);
              }
            })
        .isInstanceOfSatisfying(
            SseException.class,
            e -> assertThat(e.getMessage()).contains("The server had an error"));
    assertThat(chunks).isNotEmpty();
  }

  @Test
  void serverFaultBecomesTheSdksInternalServerException() {
    ChatCompletionCreateParams params =
        ChatCompletionCreateParams.builder()
            .model("gpt-5-mini")
            .addUserMessage("hello")
            .putAdditionalHeader("x-simulator-fault", "503")
            .build();

    assertThatThrownBy(() -> client.chat().completions().create(params))
        .isInstanceOfSatisfying(
            InternalServerException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(503);
              assertThat(e.type()).contains("server_error");
            });
  }

  @Test
  void unknownModelIsNotFoundAndBadParameterIsBadRequest() {
    assertThatThrownBy(
            () ->
                client
                    .chat()
                    .completions()
                    .create(
                        ChatCompletionCreateParams.builder()
                            .model("gpt-9")
                            .addUserMessage("hello")
                            .build()))
        .isInstanceOfSatisfying(
            NotFoundException.class,
            e -> {
              assertThat(e.code()).contains("model_not_found");
              assertThat(e.getMessage()).contains("The model `gpt-9` does not exist");
            });
    assertThatThrownBy(
            () ->
                client
                    .chat()
                    .completions()
                    .create(
                        ChatCompletionCreateParams.builder()
                            .model("gpt-5")
                            .addUserMessage("hello")
                            .maxCompletionTokens(0)
                            .build()))
        .isInstanceOfSatisfying(
            BadRequestException.class,
            e -> {
              assertThat(e.param()).contains("max_completion_tokens");
              assertThat(e.code()).contains("integer_below_min_value");
            });
  }

  @Test
  void listsTheConfiguredModels() {
    List<String> ids = client.models().list().data().stream().map(Model::id).toList();

    assertThat(ids)
        .contains("gpt-5", "gpt-5-mini-2025-08-07", "gpt-4o-mini")
        .doesNotContain("claude-sonnet-4-5");
    assertThat(client.models().retrieve("gpt-4.1").ownedBy()).isEqualTo("system");
  }
}
