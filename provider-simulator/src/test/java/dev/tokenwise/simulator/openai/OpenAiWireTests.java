package dev.tokenwise.simulator.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.simulator.SimulatorHttp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** OpenAI's wire format as bytes: event-stream framing, headers, error envelopes, determinism. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OpenAiWireTests {

  @LocalServerPort int port;

  SimulatorHttp http;
  final JsonMapper json = JsonMapper.builder().build();

  @BeforeEach
  void http() {
    http = new SimulatorHttp(port);
  }

  private static String chat(String question, String extra) {
    return """
        {"model":"gpt-5-mini","messages":[{"role":"user","content":"%s"}]%s}"""
        .formatted(question, extra);
  }

  @Test
  void streamsDataLinesEndingWithUsageAndDone() throws Exception {
    HttpResponse<String> response =
        http.send(
            http.openAi(
                chat(
                    "What is SSE?",
                    ",\"stream\":true,\"stream_options\":{\"include_usage\":true}")));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .get()
        .asString()
        .startsWith("text/event-stream");
    List<String> events = Arrays.asList(response.body().split("\n\n"));
    assertThat(events).allMatch(e -> e.startsWith("data: ") && !e.contains("\n"));
    assertThat(events.get(events.size() - 1)).isEqualTo("data: [DONE]");
    JsonNode usageChunk = json.readTree(events.get(events.size() - 2).substring(6));
    assertThat(usageChunk.path("choices").isEmpty()).isTrue();
    assertThat(usageChunk.path("usage").path("completion_tokens").asLong()).isPositive();
    JsonNode first = json.readTree(events.get(0).substring(6));
    assertThat(first.path("object").asString()).isEqualTo("chat.completion.chunk");
    assertThat(first.path("choices").get(0).path("delta").path("role").asString())
        .isEqualTo("assistant");
    assertThat(first.path("usage").isNull()).isTrue();
    StringBuilder content = new StringBuilder();
    events.subList(0, events.size() - 2).stream()
        .map(
            e -> json.readTree(e.substring(6)).path("choices").get(0).path("delta").path("content"))
        .filter(JsonNode::isString)
        .forEach(c -> content.append(c.asString()));
    assertThat(content.toString()).startsWith("You asked: \"What is SSE?\".");
  }

  @Test
  void streamWithoutIncludeUsageHasNoUsageChunk() throws Exception {
    String body = http.send(http.openAi(chat("What is SSE?", ",\"stream\":true"))).body();

    assertThat(body).doesNotContain("\"usage\"").endsWith("data: [DONE]\n\n");
  }

  @Test
  void answersCarryTheProvidersHeaders() throws Exception {
    HttpResponse<String> response = http.send(http.openAi(chat("hello", "")));

    assertThat(response.headers().firstValue("x-request-id")).get().asString().startsWith("req_");
    assertThat(response.headers().firstValue("openai-processing-ms")).isPresent();
    assertThat(response.headers().firstValue("x-ratelimit-limit-requests")).contains("10000");
    assertThat(response.headers().firstValue("x-ratelimit-remaining-tokens")).isPresent();
    assertThat(response.headers().firstValue("x-ratelimit-reset-requests")).isPresent();
  }

  @Test
  void sameRequestSameAnswerAndOtherQuestionOtherAnswer() throws Exception {
    String a1 = content(http.send(http.openAi(chat("Why is the sky blue?", ""))).body());
    String a2 = content(http.send(http.openAi(chat("Why is the sky blue?", ""))).body());
    String b = content(http.send(http.openAi(chat("How do magnets work?", ""))).body());

    assertThat(a1).isEqualTo(a2).contains("Why is the sky blue?");
    assertThat(b).isNotEqualTo(a1).contains("How do magnets work?");
  }

  @Test
  void aDatedSnapshotIsServedAsItself() throws Exception {
    JsonNode completion =
        json.readTree(
            http.send(http.openAi(chat("hi", "").replace("gpt-5-mini", "gpt-5-mini-2025-08-07")))
                .body());

    assertThat(completion.path("model").asString()).isEqualTo("gpt-5-mini-2025-08-07");
  }

  @Test
  void answerLengthHeaderMakesLongAnswers() throws Exception {
    JsonNode completion =
        json.readTree(
            http.send(http.openAi(chat("hi", ""), "x-simulator-answer-tokens", "300")).body());

    assertThat(completion.path("usage").path("completion_tokens").asLong()).isBetween(295L, 300L);
  }

  @Test
  void missingKeyIsTheApis401() throws Exception {
    HttpResponse<String> response =
        http.send(
            http.request("/v1/chat/completions")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(chat("hi", ""))));

    assertThat(response.statusCode()).isEqualTo(401);
    JsonNode error = json.readTree(response.body()).path("error");
    assertThat(error.path("message").asString()).startsWith("You didn't provide an API key");
    assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
    assertThat(error.has("param") && error.has("code")).isTrue();
  }

  @Test
  void invalidRequestsAreThe400sTheApiGives() throws Exception {
    assertError(
        http.send(http.openAi("{not json")), 400, null, null, "We could not parse the JSON body");
    assertError(
        http.send(http.openAi("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")),
        400,
        null,
        null,
        "you must provide a model parameter");
    assertError(
        http.send(http.openAi("{\"model\":\"gpt-5\"}")),
        400,
        "messages",
        "missing_required_parameter",
        "Missing required parameter: 'messages'.");
    assertError(
        http.send(http.openAi("{\"model\":\"gpt-5\",\"messages\":[]}")),
        400,
        "messages",
        "empty_array",
        "Invalid 'messages': empty array.");
    assertError(
        http.send(
            http.openAi(
                "{\"model\":\"gpt-5\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}")),
        400,
        "messages[0].role",
        "invalid_value",
        "Invalid value: 'robot'.");
    assertError(
        http.send(http.openAi(chat("hi", "").replace("gpt-5-mini", "claude-sonnet-4-5"))),
        404,
        null,
        "model_not_found",
        "The model `claude-sonnet-4-5` does not exist");
  }

  @Test
  void jsonSchemaResponseFormatGivesAnInstanceOfTheSchema() throws Exception {
    String format =
        """
        ,"response_format":{"type":"json_schema","json_schema":{"name":"forecast","strict":true,
         "schema":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"},
         "tags":{"type":"array","items":{"type":"string"}},"unit":{"type":"string","enum":["c","f"]}},
         "required":["city","days","tags","unit"],"additionalProperties":false}}}""";

    JsonNode answer =
        json.readTree(content(http.send(http.openAi(chat("Forecast for Oslo", format))).body()));

    assertThat(answer.propertyNames()).containsExactlyInAnyOrder("city", "days", "tags", "unit");
    assertThat(answer.path("city").asString()).isEqualTo("Forecast for Oslo");
    assertThat(answer.path("days").isInt()).isTrue();
    assertThat(answer.path("tags").get(0).isString()).isTrue();
    assertThat(answer.path("unit").asString()).isEqualTo("c");
  }

  @Test
  void jsonObjectResponseFormatNeedsTheWordJson() throws Exception {
    String format = ",\"response_format\":{\"type\":\"json_object\"}";

    JsonNode answer =
        json.readTree(content(http.send(http.openAi(chat("Answer in JSON", format))).body()));

    assertThat(answer.path("answer").asString()).startsWith("You asked: \"Answer in JSON\".");
    assertError(
        http.send(http.openAi(chat("Answer plainly", format))),
        400,
        "messages",
        null,
        "'messages' must contain the word 'json' in some form");
    assertError(
        http.send(http.openAi(chat("hi", ",\"response_format\":{\"type\":\"xml\"}"))),
        400,
        "response_format.type",
        "invalid_value",
        "Invalid value: 'xml'.");
  }

  @Test
  void streamOptionsWithoutStreamingIsRejected() throws Exception {
    assertError(
        http.send(http.openAi(chat("hi", ",\"stream_options\":{\"include_usage\":true}"))),
        400,
        "stream_options",
        null,
        "The 'stream_options' parameter is only allowed when 'stream' is enabled.");
  }

  @Test
  void listsModelsAsAListObject() throws Exception {
    JsonNode list =
        json.readTree(
            http.send(http.request("/v1/models").header("Authorization", "Bearer sk-test")).body());

    assertThat(list.path("object").asString()).isEqualTo("list");
    assertThat(list.path("data").get(0).path("object").asString()).isEqualTo("model");
    assertThat(list.path("data").findValuesAsString("id"))
        .contains("gpt-5", "gpt-4.1-mini-2025-04-14");
  }

  private String content(String completion) {
    return json.readTree(completion)
        .path("choices")
        .get(0)
        .path("message")
        .path("content")
        .asString();
  }

  private void assertError(
      HttpResponse<String> response, int status, String param, String code, String message) {
    assertThat(response.statusCode()).isEqualTo(status);
    JsonNode error = json.readTree(response.body()).path("error");
    assertThat(error.path("message").asString()).contains(message);
    assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
    assertThat(error.has("param")).isTrue();
    assertThat(error.has("code")).isTrue();
    assertThat(error.path("param").isNull() ? null : error.path("param").asString())
        .isEqualTo(param);
    assertThat(error.path("code").isNull() ? null : error.path("code").asString()).isEqualTo(code);
  }
}
