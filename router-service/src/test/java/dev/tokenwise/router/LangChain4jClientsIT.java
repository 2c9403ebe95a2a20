package dev.tokenwise.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.AuthenticationException;
import dev.langchain4j.exception.RateLimitException;
import dev.langchain4j.model.anthropic.AnthropicChatModel;
import dev.langchain4j.model.anthropic.AnthropicStreamingChatModel;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiResponsesChatModel;
import dev.langchain4j.model.openai.OpenAiResponsesStreamingChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * LangChain4j's OpenAI and Anthropic chat models, configured only with the router's base URL and a
 * virtual key, against the router in front of the real provider simulator: whole and streamed
 * answers, a tool call and its result round trip, JSON-schema output, and errors as LangChain4j's
 * own exceptions. Each format is also served by the other provider's model.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers(postgres = false)
class LangChain4jClientsIT {

  private static final String KEY = "tw-langchain4j-key";
  private static final String SMALL_KEY = "tw-langchain4j-small-key";
  private static final SimulatorProcess simulator = SimulatorProcess.shared();
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("tokenwise.router.tenants[0].id", () -> "acme");
    registry.add(
        "tokenwise.router.tenants[0].key-hashes[0]", () -> VirtualKeyAuthenticator.hash(KEY));
    registry.add("tokenwise.router.tenants[1].id", () -> "small");
    registry.add(
        "tokenwise.router.tenants[1].key-hashes[0]", () -> VirtualKeyAuthenticator.hash(SMALL_KEY));
    registry.add("tokenwise.router.tenants[1].tokens-per-minute", () -> "100");
    registry.add("tokenwise.router.providers.openai.base-url", simulator::baseUrl);
    registry.add("tokenwise.router.providers.openai.api-key", () -> "sk-openai-test");
    registry.add("tokenwise.router.providers.anthropic.base-url", simulator::baseUrl);
    registry.add("tokenwise.router.providers.anthropic.api-key", () -> "sk-ant-test");
    registry.add("tokenwise.router.cache.enabled", () -> "false");
  }

  @LocalServerPort int port;
  @Autowired JsonMapper json;

  private static final ToolSpecification WEATHER =
      ToolSpecification.builder()
          .name("get_weather")
          .description("The current weather in a city")
          .parameters(JsonObjectSchema.builder().addStringProperty("city").required("city").build())
          .build();

  @Test
  void openAiModelsWholeStreamedAndWithTools() throws Exception {
    for (String model : List.of("gpt-5-mini", "claude-haiku-4-5")) {
      ChatModel chat =
          OpenAiChatModel.builder()
              .baseUrl(openAiBaseUrl())
              .apiKey(KEY)
              .modelName(model)
              .timeout(TIMEOUT)
              .maxRetries(0)
              .build();
      String whole = chat.chat("What is a token bucket?");
      assertThat(whole).as(model).startsWith("You asked: \"What is a token bucket?\"");

      StreamingChatModel streaming =
          OpenAiStreamingChatModel.builder()
              .baseUrl(openAiBaseUrl())
              .apiKey(KEY)
              .modelName(model)
              .timeout(TIMEOUT)
              .build();
      assertThat(stream(streaming, "What is a token bucket?")).as(model).isEqualTo(whole);

      assertToolRoundTrip(chat, model);
    }
  }

  /** LangChain4j's Responses API models: {@code /v1/responses}, whole, streamed and with tools. */
  @Test
  void openAiResponsesModelsWholeStreamedAndWithTools() throws Exception {
    for (String model : List.of("gpt-5-mini", "claude-haiku-4-5")) {
      ChatModel chat =
          OpenAiResponsesChatModel.builder()
              .baseUrl(openAiBaseUrl())
              .apiKey(KEY)
              .modelName(model)
              .build();
      String whole = chat.chat("What is a token bucket?");
      assertThat(whole).as(model).startsWith("You asked: \"What is a token bucket?\"");

      StreamingChatModel streaming =
          OpenAiResponsesStreamingChatModel.builder()
              .baseUrl(openAiBaseUrl())
              .apiKey(KEY)
              .modelName(model)
              .build();
      assertThat(stream(streaming, "What is a token bucket?")).as(model).isEqualTo(whole);

      assertToolRoundTrip(chat, model);
    }
  }

  @Test
  void anthropicModelsWholeStreamedAndWithTools() throws Exception {
    for (String model : List.of("claude-haiku-4-5", "gpt-5-mini")) {
      ChatModel chat =
          AnthropicChatModel.builder()
              .baseUrl(anthropicBaseUrl())
              .apiKey(KEY)
              .modelName(model)
              .maxTokens(300)
              .timeout(TIMEOUT)
              .maxRetries(0)
              .build();
      String whole = chat.chat("What is a token bucket?");
      assertThat(whole).as(model).startsWith("You asked: \"What is a token bucket?\"");

      StreamingChatModel streaming =
          AnthropicStreamingChatModel.builder()
              .baseUrl(anthropicBaseUrl())
              .apiKey(KEY)
              .modelName(model)
              .maxTokens(300)
              .timeout(TIMEOUT)
              .build();
      assertThat(stream(streaming, "What is a token bucket?")).as(model).isEqualTo(whole);

      assertToolRoundTrip(chat, model);
    }
  }

  /** LangChain4j's structured output: a JSON schema in the request's response format. */
  @Test
  void openAiModelJsonSchemaOutput() {
    ChatModel chat =
        OpenAiChatModel.builder()
            .baseUrl(openAiBaseUrl())
            .apiKey(KEY)
            .modelName("gpt-5-mini")
            .strictJsonSchema(true)
            .timeout(TIMEOUT)
            .maxRetries(0)
            .build();
    ChatResponse response =
        chat.chat(
            ChatRequest.builder()
                .messages(UserMessage.from("Describe Lisbon"))
                .responseFormat(
                    ResponseFormat.builder()
                        .type(ResponseFormatType.JSON)
                        .jsonSchema(
                            JsonSchema.builder()
                                .name("city_report")
                                .rootElement(
                                    JsonObjectSchema.builder()
                                        .addStringProperty("city")
                                        .addIntegerProperty("population")
                                        .addEnumProperty("climate", List.of("mild", "harsh"))
                                        .required("city", "population", "climate")
                                        .build())
                                .build())
                        .build())
                .build());
    JsonNode answer = json.readTree(response.aiMessage().text());
    assertThat(answer.path("city").isString()).isTrue();
    assertThat(answer.path("population").isIntegralNumber()).isTrue();
    assertThat(answer.path("climate").asString()).isIn("mild", "harsh");
  }

  @Test
  void errorsAreLangChain4jExceptions() {
    assertThatThrownBy(
            () ->
                OpenAiChatModel.builder()
                    .baseUrl(openAiBaseUrl())
                    .apiKey("tw-wrong")
                    .modelName("gpt-5-mini")
                    .maxRetries(0)
                    .build()
                    .chat("hi"))
        .isInstanceOf(AuthenticationException.class);
    assertThatThrownBy(
            () ->
                AnthropicChatModel.builder()
                    .baseUrl(anthropicBaseUrl())
                    .apiKey(SMALL_KEY)
                    .modelName("claude-haiku-4-5")
                    .maxTokens(1000)
                    .maxRetries(0)
                    .build()
                    .chat("hi"))
        .isInstanceOf(RateLimitException.class);
  }

  private void assertToolRoundTrip(ChatModel chat, String model) {
    List<ChatMessage> conversation = new ArrayList<>();
    conversation.add(UserMessage.from("Lisbon: please get weather there"));
    ChatResponse call =
        chat.chat(ChatRequest.builder().messages(conversation).toolSpecifications(WEATHER).build());
    AiMessage request = call.aiMessage();
    assertThat(request.hasToolExecutionRequests()).as(model).isTrue();
    ToolExecutionRequest tool = request.toolExecutionRequests().get(0);
    assertThat(tool.name()).isEqualTo("get_weather");
    assertThat(json.readTree(tool.arguments()).path("city").isString()).isTrue();

    conversation.add(request);
    conversation.add(ToolExecutionResultMessage.from(tool, "18 degrees and sunny"));
    ChatResponse answer =
        chat.chat(ChatRequest.builder().messages(conversation).toolSpecifications(WEATHER).build());
    assertThat(answer.aiMessage().text()).as(model).contains("18 degrees and sunny");
  }

  private static String stream(StreamingChatModel model, String question) throws Exception {
    CompletableFuture<ChatResponse> done = new CompletableFuture<>();
    StringBuilder partials = new StringBuilder();
    model.chat(
        question,
        new StreamingChatResponseHandler() {
          @Override
          public void onPartialResponse(String partial) {
            partials.append(partial);
          }

          @Override
          public void onCompleteResponse(ChatResponse response) {
            done.complete(response);
          }

          @Override
          public void onError(Throwable error) {
            done.completeExceptionally(error);
          }
        });
    ChatResponse response = done.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    assertThat(response.aiMessage().text()).isEqualTo(partials.toString());
    return partials.toString();
  }

  private String openAiBaseUrl() {
    return "http://localhost:" + port + "/v1";
  }

  private String anthropicBaseUrl() {
    return "http://localhost:" + port + "/v1/";
  }
}
