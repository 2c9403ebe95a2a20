package dev.tokenwise.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.NotFoundException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestServers;
import dev.tokenwise.common.usage.UsageStream;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Gemini models behind the router, against the real provider simulator's Gemini API: the official
 * OpenAI and Anthropic SDKs, unchanged but for base URL and key, get whole and streamed answers
 * from {@code gemini-*} models with usage normalised; Google's errors reach them in their own
 * provider's shape; the usage event names the Gemini provider and is priced with Gemini's prices.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers(postgres = false)
class GeminiProviderIT {

  private static final String KEY = "tw-gemini-test-key";
  private static final SimulatorProcess simulator = SimulatorProcess.shared();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("tokenwise.router.tenants[0].id", () -> "acme");
    registry.add(
        "tokenwise.router.tenants[0].key-hashes[0]", () -> VirtualKeyAuthenticator.hash(KEY));
    registry.add("tokenwise.router.cache.enabled", () -> "false");
    registry.add("tokenwise.router.providers.gemini.base-url", simulator::baseUrl);
    registry.add("tokenwise.router.providers.gemini.path-prefix", () -> "/v1beta");
    registry.add("tokenwise.router.providers.gemini.api-key", () -> "AIza-router-test");
    registry.add("tokenwise.router.providers.openai.base-url", simulator::baseUrl);
    registry.add("tokenwise.router.providers.anthropic.base-url", simulator::baseUrl);
    registry.add("tokenwise.router.resilience.initial-backoff", () -> "10ms");
    registry.add("tokenwise.router.resilience.max-backoff", () -> "50ms");
  }

  @LocalServerPort int port;
  @Autowired ReactiveStringRedisTemplate redis;
  @Autowired JsonMapper json;

  OpenAIClient openai;
  AnthropicClient anthropic;

  @BeforeEach
  void clients() {
    simulator.reset();
    TestServers.redis().flushAll();
    openai =
        OpenAIOkHttpClient.builder()
            .apiKey(KEY)
            .baseUrl("http://localhost:" + port + "/v1")
            .maxRetries(0)
            .responseValidation(true)
            .timeout(Duration.ofSeconds(60))
            .build();
    anthropic =
        AnthropicOkHttpClient.builder()
            .apiKey(KEY)
            .baseUrl("http://localhost:" + port)
            .maxRetries(0)
            .responseValidation(true)
            .timeout(Duration.ofSeconds(60))
            .build();
  }

  @Test
  void openAiSdkGetsAGeminiAnswerWithUsage() {
    ChatCompletion completion =
        openai
            .chat()
            .completions()
            .create(
                ChatCompletionCreateParams.builder()
                    .model("gemini-2.5-flash")
                    .addSystemMessage("You are terse.")
                    .addUserMessage("How do prompt caches work?")
                    .build());

    assertThat(completion.choices().get(0).message().content())
        .hasValueSatisfying(text -> assertThat(text).contains("How do prompt caches work?"));
    assertThat(completion.choices().get(0).finishReason())
        .isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    assertThat(completion.model()).isEqualTo("gemini-2.5-flash");
    var usage = completion.usage().orElseThrow();
    assertThat(usage.promptTokens()).isPositive();
    assertThat(usage.completionTokens()).isPositive();
    assertThat(usage.totalTokens()).isEqualTo(usage.promptTokens() + usage.completionTokens());

    JsonNode event = awaitEvent("gemini-2.5-flash", "sync");
    assertThat(event.path("provider").asString()).isEqualTo("gcp.gemini");
    assertThat(event.path("inputTokens").asLong()).isEqualTo(usage.promptTokens());
    assertThat(event.path("outputTokens").asLong()).isEqualTo(usage.completionTokens());
    assertThat(event.path("finishReason").asString()).isEqualTo("stop");
    assertThat(simulator.stats().path("endpoints").path(GEMINI_GENERATE).asLong()).isEqualTo(1);
  }

  /** The OpenAI SDK's {@code responses()} client served by Gemini, whole and streamed. */
  @Test
  void openAiSdkResponsesAreServedByGemini() {
    ResponseCreateParams params =
        ResponseCreateParams.builder()
            .model("gemini-2.5-flash")
            .instructions("You are terse.")
            .input("How do prompt caches work?")
            .build();
    Response response = openai.responses().create(params);
    String text = response.output().get(0).asMessage().content().get(0).asOutputText().text();
    assertThat(text).contains("How do prompt caches work?");
    assertThat(response.usage().orElseThrow().inputTokens()).isPositive();
    assertThat(awaitEvent("gemini-2.5-flash", "sync").path("provider").asString())
        .isEqualTo("gcp.gemini");

    ResponseAccumulator accumulator = ResponseAccumulator.create();
    try (com.openai.core.http.StreamResponse<ResponseStreamEvent> stream =
        openai.responses().createStreaming(params)) {
      stream.stream().forEach(accumulator::accumulate);
    }
    assertThat(
            accumulator
                .response()
                .output()
                .get(0)
                .asMessage()
                .content()
                .get(0)
                .asOutputText()
                .text())
        .isEqualTo(text);
    assertThat(simulator.stats().path("endpoints").path(GEMINI_STREAM).asLong()).isEqualTo(1);
  }

  @Test
  void openAiSdkStreamsAGeminiAnswerWithTheUsageChunk() {
    ChatCompletionCreateParams params =
        ChatCompletionCreateParams.builder()
            .model("gemini-2.5-flash-lite")
            .addUserMessage("Why is the sky blue?")
            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
            .build();
    ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
    try (com.openai.core.http.StreamResponse<ChatCompletionChunk> stream =
        openai.chat().completions().createStreaming(params)) {
      stream.stream().forEach(accumulator::accumulate);
    }

    ChatCompletion streamed = accumulator.chatCompletion();
    assertThat(streamed.choices().get(0).message().content())
        .hasValueSatisfying(text -> assertThat(text).contains("Why is the sky blue?"));
    assertThat(streamed.choices().get(0).finishReason())
        .isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    var usage = streamed.usage().orElseThrow();
    assertThat(usage.promptTokens()).isPositive();
    assertThat(usage.completionTokens()).isPositive();

    JsonNode event = awaitEvent("gemini-2.5-flash-lite", "stream");
    assertThat(event.path("provider").asString()).isEqualTo("gcp.gemini");
    assertThat(event.path("status").asString()).isEqualTo("ok");
    assertThat(event.path("outputTokens").asLong()).isEqualTo(usage.completionTokens());
    assertThat(simulator.stats().path("endpoints").path(GEMINI_STREAM).asLong()).isEqualTo(1);
  }

  @Test
  void anthropicSdkGetsWholeAndStreamedGeminiAnswers() {
    MessageCreateParams params =
        MessageCreateParams.builder()
            .model("gemini-2.5-pro")
            .maxTokens(1024)
            .system("You are terse.")
            .addUserMessage("What is a prompt cache?")
            .build();

    Message message = anthropic.messages().create(params);
    MessageAccumulator accumulator = MessageAccumulator.create();
    try (StreamResponse<RawMessageStreamEvent> stream =
        anthropic.messages().createStreaming(params)) {
      stream.stream().forEach(accumulator::accumulate);
    }
    Message streamed = accumulator.message();

    for (Message answer : List.of(message, streamed)) {
      assertThat(answer.content().get(0).asText().text()).contains("What is a prompt cache?");
      assertThat(answer.stopReason()).contains(StopReason.END_TURN);
      assertThat(answer.usage().inputTokens()).isPositive();
      assertThat(answer.usage().outputTokens()).isPositive();
    }
    assertThat(streamed.content().get(0).asText().text())
        .isEqualTo(message.content().get(0).asText().text());
    assertThat(awaitEvent("gemini-2.5-pro", "sync").path("provider").asString())
        .isEqualTo("gcp.gemini");
    assertThat(awaitEvent("gemini-2.5-pro", "stream").path("provider").asString())
        .isEqualTo("gcp.gemini");
  }

  @Test
  void googlesErrorsReachEachClientInItsOwnProvidersShape() {
    assertThatThrownBy(
            () ->
                openai
                    .chat()
                    .completions()
                    .create(
                        ChatCompletionCreateParams.builder()
                            .model("gemini-0-nonexistent")
                            .addUserMessage("hi")
                            .build()))
        .isInstanceOfSatisfying(
            NotFoundException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(404);
              assertThat(e.getMessage()).contains("models/gemini-0-nonexistent is not found");
            });

    // three 429s: the router's three attempts all rate limited, the last one is the client's
    simulator.queueFaults("429", 3, "gemini-2.5-flash");
    assertThatThrownBy(
            () ->
                anthropic
                    .messages()
                    .create(
                        MessageCreateParams.builder()
                            .model("gemini-2.5-flash")
                            .maxTokens(64)
                            .addUserMessage("hi")
                            .build()))
        .isInstanceOfSatisfying(
            com.anthropic.errors.RateLimitException.class,
            e -> assertThat(e.getMessage()).contains("You exceeded your current quota"));

    WebTestClient.ResponseSpec raw =
        web()
            .post()
            .uri("/v1/chat/completions")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(
                "{\"model\":\"gemini-0-nonexistent\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
            .exchange();
    JsonNode body =
        json.readTree(
            raw.expectStatus().isNotFound().expectBody().returnResult().getResponseBody());
    assertThat(body.path("error").path("type").asString()).isEqualTo("not_found_error");
    assertThat(body.path("error").path("code").asString()).isEqualTo("not_found");
    assertThat(body.path("error").has("param")).isTrue();
  }

  @Test
  void costHeaderPricesTheAnswerWithGeminiPrices() {
    EntityExchangeResult<byte[]> result =
        web()
            .post()
            .uri("/v1/chat/completions")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(
                "{\"model\":\"gemini-2.5-flash\",\"messages\":[{\"role\":\"user\",\"content\":"
                    + "\"Tell me about Gemini pricing\"}]}")
            .exchange()
            .expectStatus()
            .isOk()
            .expectHeader()
            .valueEquals("Tokenwise-Model", "gemini-2.5-flash")
            .expectBody()
            .returnResult();

    JsonNode usage = json.readTree(result.getResponseBody()).path("usage");
    // gemini-2.5-flash: $0.30 per million input tokens, $2.50 per million output tokens
    BigDecimal expected =
        BigDecimal.valueOf(usage.path("prompt_tokens").asLong())
            .multiply(new BigDecimal("0.30"))
            .add(
                BigDecimal.valueOf(usage.path("completion_tokens").asLong())
                    .multiply(new BigDecimal("2.50")))
            .movePointLeft(6);
    BigDecimal header = new BigDecimal(result.getResponseHeaders().getFirst("Tokenwise-Cost-USD"));
    assertThat(header).isPositive().isEqualByComparingTo(expected);
  }

  private static final String GEMINI_GENERATE = "POST /v1beta/models/{model}:generateContent";
  private static final String GEMINI_STREAM = "POST /v1beta/models/{model}:streamGenerateContent";

  private WebTestClient web() {
    return WebTestClient.bindToServer()
        .baseUrl("http://localhost:" + port)
        .responseTimeout(Duration.ofSeconds(60))
        .defaultHeader("Authorization", "Bearer " + KEY)
        .build();
  }

  private JsonNode awaitEvent(String servedModel, String mode) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                events().stream()
                    .filter(e -> servedModel.equals(e.path("servedModel").asString()))
                    .filter(e -> mode.equals(e.path("mode").asString()))
                    .findFirst()
                    .orElse(null),
            java.util.Objects::nonNull);
  }

  private List<JsonNode> events() {
    return redis
        .opsForStream()
        .range(UsageStream.KEY, Range.unbounded())
        .map(r -> json.readTree((String) r.getValue().get(UsageStream.FIELD)))
        .collectList()
        .block();
  }
}
