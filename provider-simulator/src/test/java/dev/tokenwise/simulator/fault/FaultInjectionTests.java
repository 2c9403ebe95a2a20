package dev.tokenwise.simulator.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenwise.simulator.SimulatorHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Faults injected per request by header, or queued through the control API. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class FaultInjectionTests {

  static final String OPENAI =
      "{\"model\":\"gpt-5\",\"messages\":[{\"role\":\"user\",\"content\":\"Explain faults\"}]}";
  static final String OPENAI_STREAM = OPENAI.replace("}]}", "}],\"stream\":true}");
  static final String ANTHROPIC =
      "{\"model\":\"claude-opus-4-5\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"Explain faults\"}]}";
  static final String ANTHROPIC_STREAM = ANTHROPIC.replace("}]}", "}],\"stream\":true}");

  @LocalServerPort int port;

  SimulatorHttp http;
  final JsonMapper json = JsonMapper.builder().build();

  @BeforeEach
  void reset() throws IOException {
    http = new SimulatorHttp(port);
    http.send(http.request("/simulator/reset").POST(HttpRequest.BodyPublishers.noBody()));
  }

  @Test
  void openAiServerFaultsUseItsEnvelope() throws IOException {
    HttpResponse<String> internal = http.send(http.openAi(OPENAI, "x-simulator-fault", "500"));
    HttpResponse<String> unavailable = http.send(http.openAi(OPENAI, "x-simulator-fault", "503"));
    HttpResponse<String> overloaded = http.send(http.openAi(OPENAI, "x-simulator-fault", "529"));

    assertThat(internal.statusCode()).isEqualTo(500);
    assertThat(unavailable.statusCode()).isEqualTo(503);
    assertThat(overloaded.statusCode()).isEqualTo(503);
    JsonNode error = json.readTree(internal.body()).path("error");
    assertThat(error.path("type").asString()).isEqualTo("server_error");
    assertThat(error.has("message") && error.has("param") && error.has("code")).isTrue();
  }

  @Test
  void anthropicServerFaultsUseItsEnvelope() throws IOException {
    HttpResponse<String> overloaded =
        http.send(http.anthropic(ANTHROPIC, "x-simulator-fault", "529"));
    HttpResponse<String> internal =
        http.send(http.anthropic(ANTHROPIC, "x-simulator-fault", "500"));

    assertThat(overloaded.statusCode()).isEqualTo(529);
    assertThat(json.readTree(overloaded.body()).path("error").path("type").asString())
        .isEqualTo("overloaded_error");
    assertThat(internal.statusCode()).isEqualTo(500);
    assertThat(json.readTree(internal.body()).path("error").path("type").asString())
        .isEqualTo("api_error");
  }

  @Test
  void rateLimitCarriesRetryAfter() throws IOException {
    HttpResponse<String> openAi = http.send(http.openAi(OPENAI, "x-simulator-fault", "429"));
    HttpResponse<String> anthropic =
        http.send(http.anthropic(ANTHROPIC, "x-simulator-fault", "429"));

    assertThat(openAi.statusCode()).isEqualTo(429);
    assertThat(openAi.headers().firstValue("retry-after")).contains("1");
    assertThat(json.readTree(openAi.body()).path("error").path("code").asString())
        .isEqualTo("rate_limit_exceeded");
    assertThat(anthropic.statusCode()).isEqualTo(429);
    assertThat(anthropic.headers().firstValue("retry-after")).contains("1");
    assertThat(json.readTree(anthropic.body()).path("error").path("type").asString())
        .isEqualTo("rate_limit_error");
  }

  @Test
  void resetBeforeTheResponseBreaksTheConnection() {
    assertThatThrownBy(() -> http.send(http.openAi(OPENAI, "x-simulator-fault", "reset")))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> http.send(http.anthropic(ANTHROPIC, "x-simulator-fault", "reset")))
        .isInstanceOf(IOException.class);
  }

  @Test
  void resetMidStreamBreaksTheConnectionAfterSomeEvents() throws Exception {
    List<String> openAiLines =
        linesUntilBroken(http.openAi(OPENAI_STREAM, "x-simulator-fault", "reset"));
    List<String> anthropicLines =
        linesUntilBroken(http.anthropic(ANTHROPIC_STREAM, "x-simulator-fault", "reset"));

    // The 200 and its headers arrived before the break (checked in linesUntilBroken). Which events
    // the client read before the RST is a race the kernel decides: an RST discards whatever the
    // client had not yet read, so only the absence of a clean end is certain.
    assertThat(openAiLines).noneMatch(l -> l.contains("[DONE]"));
    assertThat(anthropicLines).doesNotContain("event: message_stop");
  }

  @Test
  void streamErrorArrivesAfterA200() throws IOException {
    HttpResponse<String> openAi =
        http.send(http.openAi(OPENAI_STREAM, "x-simulator-fault", "stream-error"));
    HttpResponse<String> anthropic =
        http.send(http.anthropic(ANTHROPIC_STREAM, "x-simulator-fault", "stream-error"));

    assertThat(openAi.statusCode()).isEqualTo(200);
    assertThat(openAi.body()).contains("data: {\"error\":{\"message\"").doesNotContain("[DONE]");
    assertThat(anthropic.statusCode()).isEqualTo(200);
    assertThat(anthropic.body())
        .contains(
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"")
        .doesNotContain("message_stop");
  }

  @Test
  void unusableSimulatorHeadersAreInvalidRequests() throws IOException {
    HttpResponse<String> fault = http.send(http.openAi(OPENAI, "x-simulator-fault", "teapot"));
    HttpResponse<String> latency =
        http.send(http.anthropic(ANTHROPIC, "x-simulator-latency-ms", "soon"));

    assertThat(fault.statusCode()).isEqualTo(400);
    assertThat(json.readTree(fault.body()).path("error").path("message").asString())
        .isEqualTo("x-simulator-fault: unknown fault 'teapot'");
    assertThat(latency.statusCode()).isEqualTo(400);
    assertThat(json.readTree(latency.body()).path("error").path("message").asString())
        .startsWith("x-simulator-latency-ms:");
  }

  @Test
  void latencyHeaderHoldsTheAnswerPastAShortClientTimeout() {
    assertThatThrownBy(
            () ->
                http.send(
                    http.anthropic(ANTHROPIC, "x-simulator-latency-ms", "5000")
                        .timeout(Duration.ofMillis(500))))
        .isInstanceOf(HttpTimeoutException.class);
  }

  @Test
  void queuedFaultsHitTheNextRequestsThenStop() throws IOException {
    HttpResponse<String> queued =
        http.send(
            http.request("/simulator/faults")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"fault\":\"503\",\"count\":2}")));

    assertThat(queued.statusCode()).isEqualTo(202);
    assertThat(http.send(http.openAi(OPENAI)).statusCode()).isEqualTo(503);
    assertThat(http.send(http.anthropic(ANTHROPIC)).statusCode()).isEqualTo(503);
    assertThat(http.send(http.openAi(OPENAI)).statusCode()).isEqualTo(200);
    JsonNode stats = json.readTree(http.send(http.request("/simulator/stats")).body());
    assertThat(stats.path("faults").path("503").asLong()).isEqualTo(2);
    assertThat(stats.path("queuedFaults").asInt()).isZero();
  }

  @Test
  void queuedFaultsCanTargetOneModelOrEndpoint() throws IOException {
    enqueue("{\"fault\":\"429\",\"model\":\"gpt-5\"}");
    enqueue("{\"fault\":\"529\",\"endpoint\":\"POST /v1/messages\"}");

    assertThat(http.send(http.openAi(OPENAI.replace("gpt-5", "gpt-5-mini"))).statusCode())
        .isEqualTo(200);
    assertThat(http.send(http.openAi(OPENAI)).statusCode()).isEqualTo(429);
    assertThat(http.send(http.openAi(OPENAI)).statusCode()).isEqualTo(200);
    assertThat(http.send(http.anthropic(ANTHROPIC)).statusCode()).isEqualTo(529);
    assertThat(http.send(http.anthropic(ANTHROPIC)).statusCode()).isEqualTo(200);
  }

  private void enqueue(String json) throws IOException {
    HttpResponse<String> queued =
        http.send(
            http.request("/simulator/faults")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    assertThat(queued.statusCode()).isEqualTo(202);
  }

  private List<String> linesUntilBroken(HttpRequest.Builder request) throws Exception {
    HttpResponse<Stream<String>> response =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .build()
            .send(request.build(), HttpResponse.BodyHandlers.ofLines());
    assertThat(response.statusCode()).isEqualTo(200);
    List<String> lines = new ArrayList<>();
    try (Stream<String> body = response.body()) {
      Iterator<String> it = body.iterator();
      assertThatThrownBy(
              () -> {
                while (it.hasNext()) {
                  lines.add(it.next());
                }
              })
          .isInstanceOf(UncheckedIOException.class);
    }
    return lines;
  }
}
