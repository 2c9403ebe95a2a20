package dev.tokenwise.router.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Requests, answers, streams and errors between the clients' formats and Gemini's. */
class GeminiFormatsTests {

  private final JsonMapper json = JsonMapper.builder().build();
  private final Formats formats = new Formats(json);
  private final ResilientProviders.Target gemini =
      new ResilientProviders.Target(ProviderKind.GEMINI, "gemini-2.5-flash");

  @Test
  void geminiModelsAreServedByTheGeminiProviderUnderItsOpenTelemetryName() {
    assertThat(ProviderKind.forModel("gemini-2.5-pro")).isEqualTo(ProviderKind.GEMINI);
    assertThat(ProviderKind.GEMINI.providerName()).isEqualTo("gcp.gemini");
    assertThat(ResilientProviders.path(gemini, false))
        .isEqualTo("/models/gemini-2.5-flash:generateContent");
    assertThat(ResilientProviders.path(gemini, true))
        .isEqualTo("/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
  }

  @Test
  void anthropicRequestBecomesAGeminiBody() {
    JsonNode request =
        json.readTree(
            """
            {"model": "gemini-2.5-flash", "max_tokens": 100, "system": "Be brief.",
             "messages": [{"role": "user", "content": "Hi"}]}
            """);

    JsonNode body =
        json.readTree(
            formats.fromAnthropic((tools.jackson.databind.node.ObjectNode) request, null, gemini));

    assertThat(body.at("/systemInstruction/parts/0/text").asString()).isEqualTo("Be brief.");
    assertThat(body.at("/contents/0/role").asString()).isEqualTo("user");
    assertThat(body.at("/generationConfig/maxOutputTokens").asLong()).isEqualTo(100);
    assertThat(body.has("model")).isFalse();
  }

  @Test
  void googleErrorBecomesOpenAisAndAnthropicsEnvelopes() {
    ProviderReply reply =
        new ProviderReply(
            HttpStatus.TOO_MANY_REQUESTS,
            """
            {"error": {"code": 429, "message": "You exceeded your current quota.",
              "status": "RESOURCE_EXHAUSTED"}}
            """
                .getBytes(StandardCharsets.UTF_8));

    JsonNode openAi = json.readTree(formats.openAiError(reply));
    JsonNode anthropic = json.readTree(formats.anthropicError(reply));

    assertThat(openAi.at("/error/type").asString()).isEqualTo("rate_limit_error");
    assertThat(openAi.at("/error/code").asString()).isEqualTo("rate_limit_exceeded");
    assertThat(openAi.at("/error/message").asString())
        .isEqualTo("You exceeded your current quota.");
    assertThat(openAi.path("error").has("param")).isTrue();
    assertThat(anthropic.path("type").asString()).isEqualTo("error");
    assertThat(anthropic.at("/error/type").asString()).isEqualTo("rate_limit_error");
  }

  @Test
  void streamEndsWithTheUsageChunkAndDoneAndAnErrorEndsItWithoutDone() {
    String chunks =
        "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Hi\"}]}}]}\r\n\r\n"
            + "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\" there\"}]},"
            + "\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":4,"
            + "\"candidatesTokenCount\":2,\"totalTokenCount\":6}}\r\n\r\n";

    List<String> events = events(formats.geminiToOpenAi(bytes(chunks), "gemini-2.5-flash"));

    assertThat(events.get(events.size() - 1)).isEqualTo("data: [DONE]");
    JsonNode usage = json.readTree(events.get(events.size() - 2).substring(6)).path("usage");
    assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(4);
    assertThat(usage.path("completion_tokens").asLong()).isEqualTo(2);

    List<String> failed =
        events(
            formats.geminiToOpenAi(
                bytes(
                    "data: {\"error\":{\"code\":503,\"message\":\"overloaded\",\"status\":\"UNAVAILABLE\"}}\n\n"),
                "gemini-2.5-flash"));
    assertThat(failed).hasSize(1);
    assertThat(json.readTree(failed.get(0).substring(6)).at("/error/type").asString())
        .isEqualTo("server_error");
  }

  @Test
  void anthropicClientStreamFromGeminiIsNamedEvents() {
    String chunk =
        "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Hi\"}]},"
            + "\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":4,"
            + "\"candidatesTokenCount\":1}}\n\n";
    ResilientProviders.ServedStream served =
        new ResilientProviders.ServedStream(gemini, ResponseEntity.ok(bytes(chunk)), 0);

    String stream = String.join("", events(formats.streamToAnthropic(served)));

    assertThat(stream)
        .contains("event: message_start", "\"text\":\"Hi\"", "event: message_delta")
        .contains("\"output_tokens\":1", "event: message_stop");
  }

  private static Flux<DataBuffer> bytes(String text) {
    return Flux.just(
        DefaultDataBufferFactory.sharedInstance.wrap(text.getBytes(StandardCharsets.UTF_8)));
  }

  private static List<String> events(Flux<DataBuffer> flux) {
    return flux.map(
            buffer -> {
              byte[] bytes = new byte[buffer.readableByteCount()];
              buffer.read(bytes);
              return new String(bytes, StandardCharsets.UTF_8).strip();
            })
        .collectList()
        .block(Duration.ofSeconds(10));
  }
}
