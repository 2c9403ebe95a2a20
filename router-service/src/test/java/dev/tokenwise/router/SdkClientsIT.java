package dev.tokenwise.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolChoiceTool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.errors.BadRequestException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.chat.completions.StructuredChatCompletion;
import com.openai.models.responses.EasyInputMessage;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.StructuredResponse;
import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The official OpenAI and Anthropic Java SDKs, unchanged but for base URL and key, against the
 * router in front of the real provider simulator: whole and streamed answers, each format served by
 * the other's model, tool calls and their results round trip, JSON-schema output (a schema the
 * client writes and one the SDK derives from a class), Anthropic's forced tool as structured
 * output, and errors surfacing as the SDKs' own typed exceptions.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers(postgres = false)
class SdkClientsIT {

  private static final String KEY = "tw-sdk-test-key";
  private static final String SMALL_KEY = "tw-sdk-small-key";
  private static final SimulatorProcess simulator = SimulatorProcess.shared();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("tokenwise.router.tenants[0].id", () -> "acme");
    registry.add(
        "tokenwise.router.tenants[0].key-hashes[0]", () -> VirtualKeyAuthenticator.hash(KEY));
    // a key whose token bucket (100 tokens) no request with a 1,000-token output limit fits in
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
  OpenAIClient openai;
  AnthropicClient anthropic;

  /** What the SDK derives a strict JSON schema from, and parses the answer into. */
  public static class Person {
    @JsonPropertyDescription("The person's full name")
    public String name;

    public int age;
    public List<String> hobbies;
  }

  @BeforeEach
  void clients() {
    openai = openAi(KEY);
    anthropic = anthropic(KEY);
  }

  private OpenAIClient openAi(String key) {
    return OpenAIOkHttpClient.builder()
        .apiKey(key)
        .baseUrl("http://localhost:" + port + "/v1")
        .maxRetries(0)
        .responseValidation(true)
        .timeout(Duration.ofSeconds(60))
        .build();
  }

  private AnthropicClient anthropic(String key) {
    return AnthropicOkHttpClient.builder()
        .apiKey(key)
        .baseUrl("http://localhost:" + port)
        .maxRetries(0)
        .responseValidation(true)
        .timeout(Duration.ofSeconds(60))
        .build();
  }

  @Test
  void openAiSdkWholeAndStreamedForBothFormats() {
    for (String model : List.of("gpt-5", "claude-sonnet-4-5")) {
      ChatCompletionCreateParams params =
          ChatCompletionCreateParams.builder()
              .model(model)
              .addUserMessage("What is a token bucket?")
              .build();
      ChatCompletion completion = openai.chat().completions().create(params);
      assertThat(completion.choices().get(0).message().content())
          .hasValueSatisfying(
              c -> assertThat(c).startsWith("You asked: \"What is a token bucket?\""));
      assertThat(completion.usage().get().promptTokens()).isPositive();
      assertThat(completion.usage().get().completionTokens()).isPositive();

      ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
      try (com.openai.core.http.StreamResponse<ChatCompletionChunk> stream =
          openai.chat().completions().createStreaming(params)) {
        stream.stream().forEach(accumulator::accumulate);
      }
      assertThat(accumulator.chatCompletion().choices().get(0).message().content())
          .isEqualTo(completion.choices().get(0).message().content());
    }
  }

  /**
   * The OpenAI SDK's {@code responses()} client, only base URL and key changed: whole and streamed
   * (the SDK's accumulator rebuilds the response from the events), served by an OpenAI and a Claude
   * model; a function tool call and its output round trip; class-based structured output; {@code
   * previous_response_id} refused as the SDK's {@code BadRequestException}.
   */
  @Test
  void openAiSdkResponsesWholeStreamedToolsAndStructuredOutput() {
    for (String model : List.of("gpt-5", "claude-sonnet-4-5")) {
      ResponseCreateParams params =
          ResponseCreateParams.builder()
              .model(model)
              .instructions("Answer briefly.")
              .input("What is a token bucket?")
              .build();
      Response response = openai.responses().create(params);
      String text = response.output().get(0).asMessage().content().get(0).asOutputText().text();
      assertThat(text).as(model).startsWith("You asked: \"What is a token bucket?\"");
      assertThat(response.status()).contains(ResponseStatus.COMPLETED);
      assertThat(response.usage().orElseThrow().inputTokens()).isPositive();
      assertThat(response.usage().orElseThrow().outputTokens()).isPositive();

      ResponseAccumulator accumulator = ResponseAccumulator.create();
      try (com.openai.core.http.StreamResponse<ResponseStreamEvent> stream =
          openai.responses().createStreaming(params)) {
        stream.stream().forEach(accumulator::accumulate);
      }
      Response streamed = accumulator.response();
      assertThat(streamed.output().get(0).asMessage().content().get(0).asOutputText().text())
          .as(model)
          .isEqualTo(text);
      assertThat(streamed.usage().orElseThrow().outputTokens()).isPositive();

      FunctionTool weather =
          FunctionTool.builder()
              .name("get_weather")
              .description("The current weather in a city")
              .parameters(
                  FunctionTool.Parameters.builder()
                      .putAdditionalProperty("type", JsonValue.from("object"))
                      .putAdditionalProperty(
                          "properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                      .putAdditionalProperty("required", JsonValue.from(List.of("city")))
                      .build())
              .strict(false)
              .build();
      EasyInputMessage question =
          EasyInputMessage.builder()
              .role(EasyInputMessage.Role.USER)
              .content("Lisbon: please get weather there")
              .build();
      Response call =
          openai
              .responses()
              .create(
                  ResponseCreateParams.builder()
                      .model(model)
                      .inputOfResponse(List.of(ResponseInputItem.ofEasyInputMessage(question)))
                      .addTool(weather)
                      .build());
      ResponseFunctionToolCall tool =
          call.output().stream()
              .filter(ResponseOutputItem::isFunctionCall)
              .findFirst()
              .orElseThrow()
              .asFunctionCall();
      assertThat(tool.name()).isEqualTo("get_weather");
      assertThat(json.readTree(tool.arguments()).path("city").isString()).isTrue();
      Response answer =
          openai
              .responses()
              .create(
                  ResponseCreateParams.builder()
                      .model(model)
                      .inputOfResponse(
                          List.of(
                              ResponseInputItem.ofEasyInputMessage(question),
                              ResponseInputItem.ofFunctionCall(tool),
                              ResponseInputItem.ofFunctionCallOutput(
                                  ResponseInputItem.FunctionCallOutput.builder()
                                      .callId(tool.callId())
                                      .output("18 degrees and sunny")
                                      .build())))
                      .addTool(weather)
                      .build());
      assertThat(answer.output().get(0).asMessage().content().get(0).asOutputText().text())
          .as(model)
          .contains("18 degrees and sunny");

      StructuredResponse<Person> person =
          openai
              .responses()
              .create(
                  ResponseCreateParams.builder()
                      .model(model)
                      .input("Invent a person")
                      .text(Person.class)
                      .build());
      Person parsed =
          person.output().stream()
              .flatMap(item -> item.message().stream())
              .flatMap(message -> message.content().stream())
              .flatMap(content -> content.outputText().stream())
              .findFirst()
              .orElseThrow();
      assertThat(parsed.name).as(model).isNotBlank();
      assertThat(parsed.age).as(model).isPositive();
    }
    assertThatThrownBy(
            () ->
                openai
                    .responses()
                    .create(
                        ResponseCreateParams.builder()
                            .model("gpt-5")
                            .input("And then?")
                            .previousResponseId("resp_earlier")
                            .build()))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("previous_response_id");
  }

  /**
   * A tool call, its result sent back, and the final answer built on it — through both formats:
   * GPT-5 natively and Claude behind Chat Completions (tool call ids survive the translation).
   */
  @Test
  void openAiSdkToolCallsRoundTripForBothFormats() {
    FunctionDefinition weather =
        FunctionDefinition.builder()
            .name("get_weather")
            .description("The current weather in a city")
            .parameters(
                FunctionParameters.builder()
                    .putAdditionalProperty("type", JsonValue.from("object"))
                    .putAdditionalProperty(
                        "properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                    .putAdditionalProperty("required", JsonValue.from(List.of("city")))
                    .build())
            .build();
    for (String model : List.of("gpt-5", "claude-sonnet-4-5")) {
      ChatCompletionCreateParams.Builder conversation =
          ChatCompletionCreateParams.builder()
              .model(model)
              .addUserMessage("Lisbon: please get weather there")
              .addFunctionTool(weather);
      ChatCompletion call = openai.chat().completions().create(conversation.build());
      assertThat(call.choices().get(0).finishReason())
          .isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
      ChatCompletionMessageFunctionToolCall tool =
          call.choices().get(0).message().toolCalls().get().get(0).asFunction();
      assertThat(tool.function().name()).isEqualTo("get_weather");
      assertThat(json.readTree(tool.function().arguments()).path("city").isString()).isTrue();

      conversation
          .addMessage(call.choices().get(0).message())
          .addMessage(
              ChatCompletionToolMessageParam.builder()
                  .toolCallId(tool.id())
                  .content("18 degrees and sunny")
                  .build());
      ChatCompletion answer = openai.chat().completions().create(conversation.build());
      assertThat(answer.choices().get(0).finishReason())
          .isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
      assertThat(answer.choices().get(0).message().content())
          .hasValueSatisfying(c -> assertThat(c).contains("18 degrees and sunny"));
    }
  }

  /**
   * JSON-schema output: a schema written by hand in {@code response_format}, and the SDK's
   * class-based structured output (it derives a strict schema from {@link Person} and parses the
   * answer back into one); both answers are instances of their schema.
   */
  @Test
  void openAiSdkJsonSchemaOutput() {
    ResponseFormatJsonSchema format =
        ResponseFormatJsonSchema.builder()
            .jsonSchema(
                ResponseFormatJsonSchema.JsonSchema.builder()
                    .name("city_report")
                    .strict(true)
                    .schema(
                        ResponseFormatJsonSchema.JsonSchema.Schema.builder()
                            .putAdditionalProperty("type", JsonValue.from("object"))
                            .putAdditionalProperty(
                                "properties",
                                JsonValue.from(
                                    Map.of(
                                        "city", Map.of("type", "string"),
                                        "population", Map.of("type", "integer"),
                                        "climate",
                                            Map.of(
                                                "type",
                                                "string",
                                                "enum",
                                                List.of("mild", "harsh")))))
                            .putAdditionalProperty(
                                "required",
                                JsonValue.from(List.of("city", "population", "climate")))
                            .putAdditionalProperty("additionalProperties", JsonValue.from(false))
                            .build())
                    .build())
            .build();
    for (String model : List.of("gpt-5-mini", "gpt-4.1-mini")) {
      ChatCompletion report =
          openai
              .chat()
              .completions()
              .create(
                  ChatCompletionCreateParams.builder()
                      .model(model)
                      .addUserMessage("Describe Lisbon")
                      .responseFormat(format)
                      .build());
      JsonNode answer = json.readTree(report.choices().get(0).message().content().orElseThrow());
      assertThat(answer.path("city").isString()).as(model).isTrue();
      assertThat(answer.path("population").isIntegralNumber()).as(model).isTrue();
      assertThat(answer.path("climate").asString()).as(model).isIn("mild", "harsh");
      assertThat(answer.properties()).as(model).hasSize(3);
    }

    // a Claude model: the schema travels as a forced tool named after it (the simulator answers
    // with that tool's input), and the router hands the input back as the message content
    ChatCompletionCreateParams claudeParams =
        ChatCompletionCreateParams.builder()
            .model("claude-haiku-4-5")
            .addUserMessage("Describe Lisbon")
            .responseFormat(format)
            .build();
    ChatCompletion claude = openai.chat().completions().create(claudeParams);
    assertThat(claude.choices().get(0).finishReason())
        .isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    assertThat(claude.choices().get(0).message().toolCalls().orElse(List.of())).isEmpty();
    assertThat(claude.usage().orElseThrow().completionTokens()).isPositive();
    JsonNode claudeAnswer =
        json.readTree(claude.choices().get(0).message().content().orElseThrow());
    assertThat(claudeAnswer.path("city").isString()).isTrue();
    assertThat(claudeAnswer.path("population").isIntegralNumber()).isTrue();
    assertThat(claudeAnswer.path("climate").asString()).isIn("mild", "harsh");
    assertThat(simulator.requests("POST /v1/messages"))
        .anySatisfy(
            r -> {
              assertThat(r.path("body").path("tool_choice").path("name").asString())
                  .isEqualTo("city_report");
              assertThat(r.path("body").path("tools").path(0).path("input_schema").path("required"))
                  .hasSize(3);
            });
    // streamed: the tool's input_json_delta fragments arrive as content deltas
    ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
    try (com.openai.core.http.StreamResponse<ChatCompletionChunk> stream =
        openai.chat().completions().createStreaming(claudeParams)) {
      stream.stream().forEach(accumulator::accumulate);
    }
    ChatCompletion streamed = accumulator.chatCompletion();
    assertThat(streamed.choices().get(0).finishReason())
        .isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    assertThat(json.readTree(streamed.choices().get(0).message().content().orElseThrow()))
        .isEqualTo(claudeAnswer);

    // the SDK's class-based structured output served by Claude, parsed back into the class
    StructuredChatCompletion<Person> claudePerson =
        openai
            .chat()
            .completions()
            .create(
                ChatCompletionCreateParams.builder()
                    .model("claude-haiku-4-5")
                    .addUserMessage("Invent a person")
                    .responseFormat(Person.class)
                    .build());
    Person fromClaude = claudePerson.choices().get(0).message().content().orElseThrow();
    assertThat(fromClaude.name).isNotBlank();
    assertThat(fromClaude.age).isPositive();
    assertThat(fromClaude.hobbies).hasSize(1);

    StructuredChatCompletion<Person> person =
        openai
            .chat()
            .completions()
            .create(
                ChatCompletionCreateParams.builder()
                    .model("gpt-5-mini")
                    .addUserMessage("Invent a person")
                    .responseFormat(Person.class)
                    .build());
    Person parsed = person.choices().get(0).message().content().orElseThrow();
    assertThat(parsed.name).isNotBlank();
    assertThat(parsed.age).isPositive();
    assertThat(parsed.hobbies).hasSize(1);
    // what reached the provider: the schema the SDK derived from the class, strict
    assertThat(simulator.requests("POST /v1/chat/completions"))
        .anySatisfy(
            r -> {
              JsonNode schema = r.path("body").path("response_format").path("json_schema");
              assertThat(schema.path("strict").asBoolean()).isTrue();
              assertThat(schema.path("schema").path("properties").has("hobbies")).isTrue();
            });
  }

  @Test
  void anthropicSdkWholeStreamedAndToolRoundTripForBothFormats() {
    Tool weather =
        Tool.builder()
            .name("get_weather")
            .description("The current weather in a city")
            .inputSchema(
                Tool.InputSchema.builder()
                    .properties(
                        Tool.InputSchema.Properties.builder()
                            .putAdditionalProperty(
                                "city", com.anthropic.core.JsonValue.from(Map.of("type", "string")))
                            .build())
                    .required(List.of("city"))
                    .build())
            .build();
    for (String model : List.of("claude-sonnet-4-5", "gpt-5")) {
      MessageCreateParams params =
          MessageCreateParams.builder()
              .model(model)
              .maxTokens(200)
              .addUserMessage("What is a token bucket?")
              .build();
      Message message = anthropic.messages().create(params);
      assertThat(message.content().get(0).asText().text())
          .startsWith("You asked: \"What is a token bucket?\"");
      assertThat(message.usage().outputTokens()).isPositive();

      MessageAccumulator accumulator = MessageAccumulator.create();
      try (StreamResponse<RawMessageStreamEvent> stream =
          anthropic.messages().createStreaming(params)) {
        stream.stream().forEach(accumulator::accumulate);
      }
      assertThat(accumulator.message().content().get(0).asText().text())
          .isEqualTo(message.content().get(0).asText().text());

      MessageCreateParams.Builder conversation =
          MessageCreateParams.builder()
              .model(model)
              .maxTokens(200)
              .addUserMessage("Lisbon: please get weather there")
              .addTool(weather);
      Message toolUse = anthropic.messages().create(conversation.build());
      assertThat(toolUse.stopReason()).contains(StopReason.TOOL_USE);
      ToolUseBlock use =
          toolUse.content().stream()
              .filter(ContentBlock::isToolUse)
              .findFirst()
              .orElseThrow()
              .asToolUse();
      assertThat(use.name()).isEqualTo("get_weather");
      conversation
          .addMessage(toolUse)
          .addUserMessageOfContentBlockParams(
              List.of(
                  ContentBlockParam.ofToolResult(
                      ToolResultBlockParam.builder()
                          .toolUseId(use.id())
                          .content("18 degrees and sunny")
                          .build())));
      Message answer = anthropic.messages().create(conversation.build());
      assertThat(answer.stopReason()).contains(StopReason.END_TURN);
      assertThat(answer.content().get(0).asText().text()).contains("18 degrees and sunny");
    }
  }

  /**
   * Anthropic's way to structured output: one tool whose input schema is the wanted shape, forced
   * with {@code tool_choice}; the tool's input is the structured answer.
   */
  @Test
  void anthropicSdkForcedToolIsStructuredOutput() {
    Tool record =
        Tool.builder()
            .name("record_city")
            .description("Record facts about a city")
            .inputSchema(
                Tool.InputSchema.builder()
                    .properties(
                        Tool.InputSchema.Properties.builder()
                            .putAdditionalProperty(
                                "city", com.anthropic.core.JsonValue.from(Map.of("type", "string")))
                            .putAdditionalProperty(
                                "population",
                                com.anthropic.core.JsonValue.from(Map.of("type", "integer")))
                            .putAdditionalProperty(
                                "climate",
                                com.anthropic.core.JsonValue.from(
                                    Map.of("type", "string", "enum", List.of("mild", "harsh"))))
                            .build())
                    .required(List.of("city", "population", "climate"))
                    .build())
            .build();
    for (String model : List.of("claude-haiku-4-5", "gpt-5-mini")) {
      Message message =
          anthropic
              .messages()
              .create(
                  MessageCreateParams.builder()
                      .model(model)
                      .maxTokens(300)
                      .addUserMessage("Describe Lisbon")
                      .addTool(record)
                      .toolChoice(ToolChoiceTool.builder().name("record_city").build())
                      .build());
      assertThat(message.stopReason()).as(model).contains(StopReason.TOOL_USE);
      ToolUseBlock use =
          message.content().stream()
              .filter(ContentBlock::isToolUse)
              .findFirst()
              .orElseThrow()
              .asToolUse();
      assertThat(use.name()).isEqualTo("record_city");
      JsonNode input = json.readTree(json.writeValueAsString(use._input().convert(Map.class)));
      assertThat(input.path("city").isString()).as(model).isTrue();
      assertThat(input.path("population").isIntegralNumber()).as(model).isTrue();
      assertThat(input.path("climate").asString()).as(model).isIn("mild", "harsh");
    }
  }

  /** 401, 400 and 429 reach each SDK as its own typed exception, with the router's message. */
  @Test
  void sdkErrorsAreTheSdksTypedExceptions() {
    ChatCompletionCreateParams hello =
        ChatCompletionCreateParams.builder().model("gpt-5").addUserMessage("hi").build();
    assertThatThrownBy(() -> openAi("tw-wrong").chat().completions().create(hello))
        .isInstanceOf(UnauthorizedException.class)
        .hasMessageContaining("Incorrect API key");
    assertThatThrownBy(
            () ->
                openai
                    .chat()
                    .completions()
                    .create(
                        ChatCompletionCreateParams.builder()
                            .model("gpt-5")
                            .messages(List.of())
                            .build()))
        .isInstanceOfSatisfying(
            BadRequestException.class, e -> assertThat(e.param()).hasValue("messages"));
    assertThatThrownBy(
            () ->
                openAi(SMALL_KEY)
                    .chat()
                    .completions()
                    .create(hello.toBuilder().maxCompletionTokens(1000).build()))
        .isInstanceOfSatisfying(
            RateLimitException.class,
            e -> {
              assertThat(e.code()).hasValue("rate_limit_exceeded");
              assertThat(e.getMessage()).contains("Request too large");
            });

    MessageCreateParams helloClaude =
        MessageCreateParams.builder()
            .model("claude-sonnet-4-5")
            .maxTokens(1000)
            .addUserMessage("hi")
            .build();
    assertThatThrownBy(() -> anthropic("tw-wrong").messages().create(helloClaude))
        .isInstanceOf(com.anthropic.errors.UnauthorizedException.class);
    assertThatThrownBy(
            () -> anthropic.messages().create(helloClaude.toBuilder().messages(List.of()).build()))
        .isInstanceOf(com.anthropic.errors.BadRequestException.class);
    assertThatThrownBy(() -> anthropic(SMALL_KEY).messages().create(helloClaude))
        .isInstanceOfSatisfying(
            com.anthropic.errors.RateLimitException.class,
            e -> assertThat(e.getMessage()).contains("Request too large"));
  }
}
