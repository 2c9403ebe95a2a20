package dev.tokenwise.simulator.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.genai.Client;
import com.google.genai.ResponseStream;
import com.google.genai.errors.ApiException;
import com.google.genai.types.CountTokensResponse;
import com.google.genai.types.FinishReason;
import com.google.genai.types.FunctionCall;
import com.google.genai.types.FunctionCallingConfig;
import com.google.genai.types.FunctionCallingConfigMode;
import com.google.genai.types.FunctionDeclaration;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.HttpOptions;
import com.google.genai.types.HttpRetryOptions;
import com.google.genai.types.Tool;
import com.google.genai.types.ToolConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The official Google Gen AI Java SDK, pointed at the simulator through its {@code baseUrl}, parses
 * every answer and gets the values the simulator meant.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class GeminiSdkConformanceTests {

  @LocalServerPort int port;

  Client client;

  @BeforeEach
  void client() {
    client = client("AIza-test");
  }

  @AfterEach
  void close() {
    client.close();
  }

  private Client client(String key) {
    return Client.builder()
        .apiKey(key)
        .vertexAI(false)
        .httpOptions(
            HttpOptions.builder()
                .baseUrl("http://localhost:" + port)
                .timeout(20_000)
                .retryOptions(HttpRetryOptions.builder().attempts(1).build())
                .build())
        .build();
  }

  private static GenerateContentConfig terse() {
    return GenerateContentConfig.builder().systemInstruction(text("You are terse.")).build();
  }

  private static com.google.genai.types.Content text(String text) {
    return com.google.genai.types.Content.fromParts(com.google.genai.types.Part.fromText(text));
  }

  @Test
  void answersWithUsage() {
    GenerateContentResponse response =
        client.models.generateContent("gemini-2.5-flash", "How do prompt caches work?", terse());

    assertThat(response.text()).contains("How do prompt caches work?");
    assertThat(response.finishReason().knownEnum()).isEqualTo(FinishReason.Known.STOP);
    assertThat(response.modelVersion()).contains("gemini-2.5-flash");
    var usage = response.usageMetadata().orElseThrow();
    assertThat(usage.promptTokenCount().orElseThrow()).isPositive();
    assertThat(usage.candidatesTokenCount().orElseThrow()).isPositive();
    assertThat(usage.totalTokenCount().orElseThrow())
        .isEqualTo(usage.promptTokenCount().get() + usage.candidatesTokenCount().get());
  }

  @Test
  void streamsTextDeltasWithUsageInTheLastChunk() {
    List<GenerateContentResponse> chunks = new ArrayList<>();
    try (ResponseStream<GenerateContentResponse> stream =
        client.models.generateContentStream("gemini-2.5-flash", "Why is the sky blue?", terse())) {
      stream.forEach(chunks::add);
    }

    assertThat(chunks).hasSizeGreaterThan(1);
    StringBuilder text = new StringBuilder();
    chunks.forEach(chunk -> text.append(chunk.text()));
    GenerateContentResponse whole =
        client.models.generateContent("gemini-2.5-flash", "Why is the sky blue?", terse());
    assertThat(text).hasToString(whole.text());
    GenerateContentResponse last = chunks.get(chunks.size() - 1);
    assertThat(last.finishReason().knownEnum()).isEqualTo(FinishReason.Known.STOP);
    assertThat(last.usageMetadata().orElseThrow().candidatesTokenCount())
        .isEqualTo(whole.usageMetadata().orElseThrow().candidatesTokenCount());
  }

  @Test
  void capsTheAnswerAtMaxOutputTokens() {
    GenerateContentResponse response =
        client.models.generateContent(
            "gemini-2.5-flash-lite",
            "Explain everything about caching.",
            GenerateContentConfig.builder().maxOutputTokens(5).build());

    assertThat(response.finishReason().knownEnum()).isEqualTo(FinishReason.Known.MAX_TOKENS);
    assertThat(response.usageMetadata().orElseThrow().candidatesTokenCount().orElseThrow())
        .isLessThanOrEqualTo(5);
  }

  @Test
  void callsAForcedFunction() {
    FunctionDeclaration weather =
        FunctionDeclaration.builder()
            .name("get_weather")
            .description("Current weather of a city")
            .parametersJsonSchema(
                Map.of(
                    "type",
                    "object",
                    "properties",
                    Map.of("city", Map.of("type", "string")),
                    "required",
                    List.of("city")))
            .build();
    GenerateContentConfig config =
        GenerateContentConfig.builder()
            .tools(Tool.builder().functionDeclarations(weather).build())
            .toolConfig(
                ToolConfig.builder()
                    .functionCallingConfig(
                        FunctionCallingConfig.builder().mode(FunctionCallingConfigMode.Known.ANY)))
            .build();

    GenerateContentResponse response =
        client.models.generateContent("gemini-2.5-pro", "What is it like in Paris?", config);

    List<FunctionCall> calls = response.functionCalls();
    assertThat(calls).hasSize(1);
    assertThat(calls.get(0).name()).contains("get_weather");
    assertThat(calls.get(0).args().orElseThrow()).containsKey("city");
  }

  @Test
  void countsTokensAsGenerateContentReportsThem() {
    CountTokensResponse count =
        client.models.countTokens("gemini-2.5-flash", "How do prompt caches work?", null);
    GenerateContentResponse response =
        client.models.generateContent("gemini-2.5-flash", "How do prompt caches work?", null);

    assertThat(count.totalTokens().orElseThrow())
        .isPositive()
        .isEqualTo(response.usageMetadata().orElseThrow().promptTokenCount().orElseThrow());
  }

  @Test
  void unknownModelIsGoogles404() {
    assertThatThrownBy(() -> client.models.generateContent("gemini-0-nonexistent", "Hello", null))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.code()).isEqualTo(404);
              assertThat(e.status()).isEqualTo("NOT_FOUND");
              assertThat(e.message()).contains("models/gemini-0-nonexistent is not found");
            });
  }

  @Test
  void listsTheGeminiModels() {
    List<String> names = new ArrayList<>();
    client.models.list(null).forEach(model -> names.add(model.name().orElse("")));

    assertThat(names)
        .contains(
            "models/gemini-2.5-flash", "models/gemini-2.5-flash-lite", "models/gemini-2.5-pro");
  }
}
