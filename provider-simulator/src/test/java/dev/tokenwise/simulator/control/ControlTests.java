package dev.tokenwise.simulator.control;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/** The control API tests use to assert what reached the providers. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
class ControlTests {

  @Autowired WebTestClient web;

  @BeforeEach
  void reset() {
    web.post().uri("/simulator/reset").exchange().expectStatus().isNoContent();
  }

  @Test
  void countsRequestsPerEndpointUntilReset() {
    web.get().uri("/simulator/stats").exchange().expectBody().jsonPath("$.total").isEqualTo(0);

    web.post()
        .uri("/v1/chat/completions")
        .header("Authorization", "Bearer sk-secret")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"model\":\"gpt-5\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
        .exchange()
        .expectStatus()
        .isOk();
    web.post()
        .uri("/v1/messages")
        .header("x-api-key", "k")
        .header("anthropic-version", "2023-06-01")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{}")
        .exchange()
        .expectStatus()
        .isBadRequest();

    web.get()
        .uri("/simulator/stats")
        .exchange()
        .expectBody()
        .jsonPath("$.total")
        .isEqualTo(2)
        .jsonPath("$.endpoints['POST /v1/chat/completions']")
        .isEqualTo(1)
        .jsonPath("$.endpoints['POST /v1/messages']")
        .isEqualTo(1);
    web.get()
        .uri("/simulator/requests?endpoint=POST /v1/chat/completions")
        .exchange()
        .expectBody()
        .jsonPath("$.length()")
        .isEqualTo(1)
        .jsonPath("$[0].body.model")
        .isEqualTo("gpt-5")
        .jsonPath("$[0].headers.authorization")
        .isEqualTo("<redacted>");

    web.get()
        .uri("/actuator/prometheus")
        .exchange()
        .expectBody(String.class)
        .value(
            body ->
                assertThat(body)
                    .contains("tokenwise_simulator_requests_total{")
                    .contains("endpoint=\"POST /v1/messages\""));

    web.post().uri("/simulator/reset").exchange().expectStatus().isNoContent();
    web.get().uri("/simulator/stats").exchange().expectBody().jsonPath("$.total").isEqualTo(0);
  }

  @Test
  void largeBodiesAreCountedButNotKept() {
    String prompt = "word ".repeat(60_000);
    web.post()
        .uri("/v1/chat/completions")
        .header("Authorization", "Bearer sk-secret")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            "{\"model\":\"gpt-5\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + prompt
                + "\"}]}")
        .exchange()
        .expectStatus()
        .isOk();

    web.get()
        .uri("/simulator/requests")
        .exchange()
        .expectBody()
        .jsonPath("$[0].bodyOmitted")
        .isEqualTo(true)
        .jsonPath("$[0].body")
        .doesNotExist();
  }

  @Test
  void anUnknownQueuedFaultIsAProblem() {
    web.post()
        .uri("/simulator/faults")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"fault\":\"418\"}")
        .exchange()
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.type")
        .isEqualTo("https://tokenwise.dev/problems/invalid-simulator-fault");
  }
}
