package dev.tokenwise.simulator.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.simulator.SimulatorHttp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Anthropic's wire format as bytes: named stream events, headers, error envelopes. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AnthropicWireTests {

  @LocalServerPort int port;

  SimulatorHttp http;
  final JsonMapper json = JsonMapper.builder().build();

  @BeforeEach
  void http() {
    http = new SimulatorHttp(port);
  }

  private static String message(String question, String extra) {
    return """
        {"model":"claude-haiku-4-5","max_tokens":256,"messages":[{"role":"user","content":"%s"}]%s}"""
        .formatted(question, extra);
  }

  @Test
  void streamsEveryEventTypeInOrderWithCumulativeUsage() throws Exception {
    HttpResponse<String> response =
        http.send(http.anthropic(message("What is SSE?", ",\"stream\":true")));
    JsonNode plain = json.readTree(http.send(http.anthropic(message("What is SSE?", ""))).body());

    assertThat(response.headers().firstValue("content-type"))
        .get()
        .asString()
        .startsWith("text/event-stream");
    List<String> names = new ArrayList<>();
    List<JsonNode> data = new ArrayList<>();
    for (String event : response.body().split("\n\n")) {
      String[] lines = event.split("\n");
      assertThat(lines).hasSize(2);
      assertThat(lines[0]).startsWith("event: ");
      assertThat(lines[1]).startsWith("data: ");
      names.add(lines[0].substring(7));
      data.add(json.readTree(lines[1].substring(6)));
      assertThat(data.get(data.size() - 1).path("type").asString())
          .isEqualTo(names.get(names.size() - 1));
    }
    assertThat(names.subList(0, 4))
        .containsExactly("message_start", "content_block_start", "ping", "content_block_delta");
    assertThat(names.subList(names.size() - 3, names.size()))
        .containsExactly("content_block_stop", "message_delta", "message_stop");
    JsonNode start = data.get(0).path("message");
    assertThat(start.path("usage").path("input_tokens").asLong())
        .isEqualTo(plain.path("usage").path("input_tokens").asLong());
    assertThat(start.path("content").isEmpty()).isTrue();
    JsonNode delta = data.get(names.size() - 2);
    assertThat(delta.path("delta").path("stop_reason").asString()).isEqualTo("end_turn");
    assertThat(delta.path("usage").path("output_tokens").asLong())
        .isEqualTo(plain.path("usage").path("output_tokens").asLong());
    StringBuilder text = new StringBuilder();
    data.stream()
        .filter(d -> d.path("delta").path("type").asString("").equals("text_delta"))
        .forEach(d -> text.append(d.path("delta").path("text").asString()));
    assertThat(text.toString()).isEqualTo(plain.path("content").get(0).path("text").asString());
  }

  @Test
  void autoToolChoiceCallsAToolTheQuestionNamesAfterAPreamble() throws Exception {
    String tools =
        ",\"tools\":[{\"name\":\"get_weather\",\"input_schema\":{\"type\":\"object\","
            + "\"properties\":{\"city\":{\"type\":\"string\"}}}}],\"stream\":true";
    String body = http.send(http.anthropic(message("Use get_weather for Oslo", tools))).body();

    assertThat(body)
        .contains("\"content_block\":{\"type\":\"text\"")
        .contains("\"index\":1,\"content_block\":{\"type\":\"tool_use\"")
        .contains("\"type\":\"input_json_delta\",\"partial_json\":\"\"")
        .contains("\"stop_reason\":\"tool_use\"");
  }

  @Test
  void aDatedSnapshotIsServedAsItself() throws Exception {
    JsonNode message =
        json.readTree(
            http.send(
                    http.anthropic(
                        message("hi", "").replace("claude-haiku-4-5", "claude-haiku-4-5-20251001")))
                .body());

    assertThat(message.path("model").asString()).isEqualTo("claude-haiku-4-5-20251001");
  }

  @Test
  void answersCarryTheProvidersHeaders() throws Exception {
    HttpResponse<String> response = http.send(http.anthropic(message("hello", "")));

    assertThat(response.headers().firstValue("request-id")).get().asString().startsWith("req_");
    assertThat(response.headers().firstValue("anthropic-ratelimit-requests-limit"))
        .contains("4000");
    assertThat(response.headers().firstValue("anthropic-ratelimit-input-tokens-remaining"))
        .isPresent();
    assertThat(response.headers().firstValue("anthropic-ratelimit-output-tokens-reset"))
        .isPresent();
  }

  @Test
  void missingKeyVersionAndFieldsAreTheApisErrors() throws Exception {
    HttpResponse<String> keyless =
        http.send(
            http.request("/v1/messages")
                .header("anthropic-version", "2023-06-01")
                .POST(HttpRequest.BodyPublishers.ofString(message("hi", ""))));
    assertError(keyless, 401, "authentication_error", "x-api-key header is required");
    HttpResponse<String> versionless =
        http.send(
            http.request("/v1/messages")
                .header("x-api-key", "k")
                .POST(HttpRequest.BodyPublishers.ofString(message("hi", ""))));
    assertError(versionless, 400, "invalid_request_error", "anthropic-version: header is required");
    assertError(
        http.send(http.anthropic(message("hi", "").replace("\"max_tokens\":256,", ""))),
        400,
        "invalid_request_error",
        "max_tokens: Field required");
    assertError(
        http.send(http.anthropic("{\"model\":\"claude-haiku-4-5\",\"max_tokens\":5}")),
        400,
        "invalid_request_error",
        "messages: Field required");
    assertError(
        http.send(http.anthropic(message("hi", "").replace("\"model\":\"claude-haiku-4-5\",", ""))),
        400,
        "invalid_request_error",
        "model: Field required");
    assertError(
        http.send(http.anthropic(message("hi", "").replace("claude-haiku-4-5", "gpt-5"))),
        404,
        "not_found_error",
        "model: gpt-5");
  }

  @Test
  void listsModelsInAnthropicsShape() throws Exception {
    JsonNode page =
        json.readTree(
            http.send(
                    http.request("/v1/models")
                        .header("x-api-key", "k")
                        .header("anthropic-version", "2023-06-01"))
                .body());

    assertThat(page.path("has_more").asBoolean()).isFalse();
    assertThat(page.path("data").get(0).path("type").asString()).isEqualTo("model");
    assertThat(page.path("data").findValuesAsString("id")).contains("claude-opus-4-5-20251101");
  }

  private void assertError(HttpResponse<String> response, int status, String type, String message) {
    assertThat(response.statusCode()).isEqualTo(status);
    JsonNode body = json.readTree(response.body());
    assertThat(body.path("type").asString()).isEqualTo("error");
    assertThat(body.path("error").path("type").asString()).isEqualTo(type);
    assertThat(body.path("error").path("message").asString()).isEqualTo(message);
    assertThat(body.path("request_id").asString()).startsWith("req_");
  }
}
