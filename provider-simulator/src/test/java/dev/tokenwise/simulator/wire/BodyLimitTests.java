package dev.tokenwise.simulator.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.simulator.SimulatorHttp;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A body over the configured limit is each provider's 413, in its envelope. */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "spring.http.codecs.max-in-memory-size=16KB")
class BodyLimitTests {

  static final String BIG = "x".repeat(32 * 1024);

  @LocalServerPort int port;

  final JsonMapper json = JsonMapper.builder().build();

  @Test
  void oversizedBodiesAreTooLarge() throws Exception {
    SimulatorHttp http = new SimulatorHttp(port);

    HttpResponse<String> openAi =
        http.send(
            http.openAi(
                "{\"model\":\"gpt-5\",\"messages\":[{\"role\":\"user\",\"content\":\""
                    + BIG
                    + "\"}]}"));
    HttpResponse<String> anthropic =
        http.send(
            http.anthropic(
                "{\"model\":\"claude-opus-4-5\",\"max_tokens\":9,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\""
                    + BIG
                    + "\"}]}"));

    assertThat(openAi.statusCode()).isEqualTo(413);
    JsonNode error = json.readTree(openAi.body()).path("error");
    assertThat(error.path("code").asString()).isEqualTo("request_too_large");
    assertThat(error.has("param")).isTrue();
    assertThat(anthropic.statusCode()).isEqualTo(413);
    assertThat(json.readTree(anthropic.body()).path("error").path("type").asString())
        .isEqualTo("request_too_large");
  }
}
