package dev.tokenwise.simulator.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.simulator.SimulatorHttp;
import java.io.IOException;
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

/** The bytes Gemini clients see: keys, error envelopes and statuses, faults, SSE framing. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class GeminiWireTests {

  private static final String HELLO = "{\"contents\":[{\"parts\":[{\"text\":\"Hello there\"}]}]}";

  @LocalServerPort int port;

  SimulatorHttp http;
  final JsonMapper json = JsonMapper.builder().build();

  @BeforeEach
  void http() {
    http = new SimulatorHttp(port);
  }

  private HttpResponse<String> post(String path, String body, String... headers)
      throws IOException {
    HttpRequest.Builder request =
        http.request(path)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request);
  }

  @Test
  void keyInTheQueryIsAcceptedAsInTheHeader() throws Exception {
    HttpResponse<String> response =
        post("/v1beta/models/gemini-2.5-flash:generateContent?key=AIza-test", HELLO);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json.readTree(response.body()).at("/candidates/0/content/role").asString())
        .isEqualTo("model");
  }

  @Test
  void missingKeyIs403AndABearerTokenWithoutKeyIs401() throws Exception {
    HttpResponse<String> none = post("/v1beta/models/gemini-2.5-flash:generateContent", HELLO);
    HttpResponse<String> bearer =
        post(
            "/v1beta/models/gemini-2.5-flash:generateContent",
            HELLO,
            "Authorization",
            "Bearer not-a-google-token");

    assertThat(none.statusCode()).isEqualTo(403);
    assertThat(json.readTree(none.body()).at("/error/status").asString())
        .isEqualTo("PERMISSION_DENIED");
    assertThat(json.readTree(none.body()).at("/error/code").asInt()).isEqualTo(403);
    assertThat(bearer.statusCode()).isEqualTo(401);
    assertThat(json.readTree(bearer.body()).at("/error/status").asString())
        .isEqualTo("UNAUTHENTICATED");
  }

  @Test
  void invalidBodiesAre400InvalidArgument() throws Exception {
    for (String body :
        List.of(
            "{not json",
            "{\"contents\":[]}",
            "{\"contents\":[{\"role\":\"assistant\",\"parts\":[{\"text\":\"x\"}]}]}",
            "{\"contents\":[{\"parts\":[]}]}")) {
      HttpResponse<String> response =
          post(
              "/v1beta/models/gemini-2.5-flash:generateContent",
              body,
              "x-goog-api-key",
              "AIza-test");

      assertThat(response.statusCode()).as(body).isEqualTo(400);
      JsonNode error = json.readTree(response.body()).path("error");
      assertThat(error.path("status").asString()).isEqualTo("INVALID_ARGUMENT");
      assertThat(error.path("message").asString()).isNotBlank();
    }
  }

  @Test
  void injectedFaultsUseGooglesStatuses() throws Exception {
    for (String[] fault :
        new String[][] {
          {"429", "429", "RESOURCE_EXHAUSTED"},
          {"500", "500", "INTERNAL"},
          {"503", "503", "UNAVAILABLE"},
          {"529", "503", "UNAVAILABLE"}
        }) {
      HttpResponse<String> response =
          post(
              "/v1beta/models/gemini-2.5-flash:generateContent",
              HELLO,
              "x-goog-api-key",
              "AIza-test",
              "x-simulator-fault",
              fault[0]);

      assertThat(response.statusCode()).as(fault[0]).isEqualTo(Integer.parseInt(fault[1]));
      assertThat(json.readTree(response.body()).at("/error/status").asString()).isEqualTo(fault[2]);
    }
  }

  @Test
  void streamIsDataEventsWithUsageCompleteInTheLast() throws Exception {
    HttpResponse<String> response =
        post(
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
            HELLO,
            "x-goog-api-key",
            "AIza-test");

    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
    List<String> events =
        Arrays.stream(response.body().split("\n\n")).filter(e -> !e.isBlank()).toList();
    assertThat(events).allMatch(e -> e.startsWith("data: {"));
    JsonNode last = json.readTree(events.get(events.size() - 1).substring(6));
    assertThat(last.at("/candidates/0/finishReason").asString()).isEqualTo("STOP");
    assertThat(last.at("/usageMetadata/candidatesTokenCount").asLong()).isPositive();
    JsonNode first = json.readTree(events.get(0).substring(6));
    assertThat(first.at("/candidates/0/finishReason").isMissingNode()).isTrue();
  }

  @Test
  void streamErrorFaultEndsTheStreamWithGooglesErrorObject() throws Exception {
    HttpResponse<String> response =
        post(
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
            "{\"contents\":[{\"parts\":[{\"text\":\"Tell me a long story about caches\"}]}]}",
            "x-goog-api-key",
            "AIza-test",
            "x-simulator-fault",
            "stream-error");

    assertThat(response.statusCode()).isEqualTo(200);
    List<String> events =
        Arrays.stream(response.body().split("\n\n")).filter(e -> !e.isBlank()).toList();
    assertThat(json.readTree(events.get(events.size() - 1).substring(6)).at("/error/code").asInt())
        .isEqualTo(503);
  }
}
