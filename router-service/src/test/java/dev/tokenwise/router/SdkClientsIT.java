package dev.tokenwise.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.errors.UnauthorizedException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The official OpenAI and Anthropic Java SDKs, unchanged but for base URL and key, against the
 * router: whole and streamed answers, tool calls, each format served by the other's model, errors.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers(postgres = false)
class SdkClientsIT {

  private static final String KEY = "tw-sdk-test-key";
  private static final FaultyProviders providers = new FaultyProviders();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("tokenwise.router.tenants[0].id", () -> "acme");
    registry.add(
        "tokenwise.router.tenants[0].key-hashes[0]", () -> VirtualKeyAuthenticator.hash(KEY));
    registry.add("tokenwise.router.providers.openai.base-url", providers::baseUrl);
    registry.add("tokenwise.router.providers.anthropic.base-url", providers::baseUrl);
    registry.add("tokenwise.router.cache.enabled", () -> "false");
  }

  @LocalServerPort int port;
  OpenAIClient openai;
  AnthropicClient anthropic;

  @BeforeEach
  void clients() {
    providers.reset();
    openai =
        OpenAIOkHttpClient.builder()
            .apiKey(KEY)
            .baseUrl("http://localhost:" + port + "/v1")
            .maxRetries(0)
            .responseValidation(true)
            .timeout(Duration.ofSeconds(30))
            .build();
    anthropic =
        AnthropicOkHttpClient.builder()
            .apiKey(KEY)
            .baseUrl("http://localhost:" + port)
            .maxRetries(0)
            .responseValidation(true)
            .timeout(Duration.ofSeconds(30))
            .build();
  }

  @AfterAll
  static void stop() {
    providers.close();
  }

  @Test
  void openAiSdkWholeAndStreamedForBothFormats() {
    for (String model : List.of("gpt-5", "claude-sonnet-4-5")) {
      String expected = model.startsWith("gpt") ? "Hello from openai." : "Hello from anthropic.";
      ChatCompletionCreateParams params =
          ChatCompletionCreateParams.builder().model(model).addUserMessage("hi").build();
      ChatCompletion completion = openai.chat().completions().create(params);
      assertThat(completion.choices().get(0).message().content()).contains(expected);
      assertThat(completion.usage().get().promptTokens()).isEqualTo(30);

      ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
      try (com.openai.core.http.StreamResponse<ChatCompletionChunk> stream =
          openai.chat().completions().createStreaming(params)) {
        stream.stream().forEach(accumulator::accumulate);
      }
      assertThat(accumulator.chatCompletion().choices().get(0).message().content())
          .contains(expected);
    }
  }

  @Test
  void openAiSdkToolCallsFromBothFormats() {
    FunctionDefinition weather =
        FunctionDefinition.builder()
            .name("get_weather")
            .parameters(
                FunctionParameters.builder()
                    .putAdditionalProperty("type", JsonValue.from("object"))
                    .putAdditionalProperty(
                        "properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                    .build())
            .build();
    for (String model : List.of("gpt-5", "claude-sonnet-4-5")) {
      ChatCompletion call =
          openai
              .chat()
              .completions()
              .create(
                  ChatCompletionCreateParams.builder()
                      .model(model)
                      .addUserMessage("Weather in Lisbon?")
                      .addFunctionTool(weather)
                      .build());
      assertThat(call.choices().get(0).finishReason())
          .isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
      var tool = call.choices().get(0).message().toolCalls().get().get(0).asFunction();
      assertThat(tool.function().name()).isEqualTo("get_weather");
      assertThat(tool.function().arguments()).contains("Lisbon");
    }
  }

  @Test
  void anthropicSdkWholeStreamedAndToolUseForBothFormats() {
    for (String model : List.of("claude-sonnet-4-5", "gpt-5")) {
      String expected = model.startsWith("gpt") ? "Hello from openai." : "Hello from anthropic.";
      MessageCreateParams params =
          MessageCreateParams.builder().model(model).maxTokens(100).addUserMessage("hi").build();
      Message message = anthropic.messages().create(params);
      assertThat(message.content().get(0).asText().text()).isEqualTo(expected);
      assertThat(message.usage().outputTokens()).isEqualTo(5);

      MessageAccumulator accumulator = MessageAccumulator.create();
      try (StreamResponse<RawMessageStreamEvent> stream =
          anthropic.messages().createStreaming(params)) {
        stream.stream().forEach(accumulator::accumulate);
      }
      assertThat(accumulator.message().content().get(0).asText().text()).contains("Hello");

      Message toolUse =
          anthropic
              .messages()
              .create(
                  params.toBuilder()
                      .addTool(
                          Tool.builder()
                              .name("get_weather")
                              .inputSchema(
                                  Tool.InputSchema.builder()
                                      .properties(
                                          Tool.InputSchema.Properties.builder()
                                              .putAdditionalProperty(
                                                  "city",
                                                  com.anthropic.core.JsonValue.from(
                                                      Map.of("type", "string")))
                                              .build())
                                      .build())
                              .build())
                      .build());
      assertThat(toolUse.stopReason()).contains(StopReason.TOOL_USE);
      assertThat(toolUse.content().get(0).asToolUse().name()).isEqualTo("get_weather");
    }
  }

  @Test
  void sdkErrorsAreTheProvidersOwn() {
    OpenAIClient wrongKey =
        OpenAIOkHttpClient.builder()
            .apiKey("tw-wrong")
            .baseUrl("http://localhost:" + port + "/v1")
            .maxRetries(0)
            .build();
    assertThatThrownBy(
            () ->
                wrongKey
                    .chat()
                    .completions()
                    .create(
                        ChatCompletionCreateParams.builder()
                            .model("gpt-5")
                            .addUserMessage("hi")
                            .build()))
        .isInstanceOf(UnauthorizedException.class)
        .hasMessageContaining("Incorrect API key");
    assertThatThrownBy(
            () ->
                anthropic
                    .messages()
                    .create(
                        MessageCreateParams.builder()
                            .model("claude-broken")
                            .maxTokens(10)
                            .addUserMessage("hi")
                            .build()))
        .isInstanceOfSatisfying(
            AnthropicServiceException.class, e -> assertThat(e.statusCode()).isEqualTo(500));
    assertThat(providers.calls).isNotEmpty();
  }
}
