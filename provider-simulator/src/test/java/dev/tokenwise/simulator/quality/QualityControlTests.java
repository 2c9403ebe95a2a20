package dev.tokenwise.simulator.quality;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The control API that tells tests what the quality world holds true, and what it served. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
class QualityControlTests {

  @Autowired WebTestClient web;
  @Autowired JsonMapper json;

  @BeforeEach
  void reset() {
    web.post().uri("/simulator/reset").exchange().expectStatus().isNoContent();
  }

  @Test
  void servedAnswersCarryTheFinalAnswerTheTruthReportsAndAreCounted() {
    List<String> prompts = TypicalPrompts.generate(40, 3);
    Map<Boolean, Integer> expected = new HashMap<>(Map.of(true, 0, false, 0));
    for (String prompt : prompts) {
      JsonNode truth = truth("gpt-5-nano", prompt);
      String answer = openAi("gpt-5-nano", prompt);
      String finalAnswer = truth.get("finalAnswer").asString();
      if ("FACT".equals(truth.get("kind").asString())) {
        assertThat(answer).contains("The deciding detail is the " + finalAnswer + ".");
      } else {
        assertThat(answer).endsWith("\n\nAnswer: " + finalAnswer);
      }
      boolean right = truth.get("right").asBoolean();
      assertThat(finalAnswer.equals(truth.get("correctAnswer").asString())).isEqualTo(right);
      assertThat(right)
          .isEqualTo(
              truth.get("skill").asDouble()
                  > truth.get("difficulty").asDouble() + truth.get("noise").asDouble());
      expected.merge(right, 1, Integer::sum);
    }
    assertThat(expected.get(false)).as("some wrong answers among 40").isPositive();

    web.get()
        .uri("/simulator/quality/served")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$['gpt-5-nano'].right")
        .isEqualTo(expected.get(true))
        .jsonPath("$['gpt-5-nano'].wrong")
        .isEqualTo(expected.get(false));
    web.post().uri("/simulator/reset").exchange().expectStatus().isNoContent();
    web.get().uri("/simulator/quality/served").exchange().expectBody().json("{}");
  }

  @Test
  void getAndPostAgreeAndBadQueriesAreProblems() {
    String prompt = "What is 17 + 25?";
    JsonNode posted = truth("claude-sonnet-4-5", prompt);
    web.get()
        .uri(
            b ->
                b.path("/simulator/quality")
                    .queryParam("model", "claude-sonnet-4-5")
                    .queryParam("prompt", "{p}")
                    .build(prompt))
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .json(posted.toString());
    assertThat(posted.get("correctAnswer").asString()).isEqualTo("42");
    assertThat(posted.get("family").asString()).isEqualTo("claude-sonnet");

    web.get()
        .uri("/simulator/quality?model=gpt-5")
        .exchange()
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.type")
        .isEqualTo("https://tokenwise.dev/problems/invalid-quality-query");
    web.post()
        .uri("/simulator/quality")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"model\":\"gpt-6\",\"prompt\":\"hi\"}")
        .exchange()
        .expectStatus()
        .isNotFound();
  }

  private JsonNode truth(String model, String prompt) {
    byte[] body =
        web.post()
            .uri("/simulator/quality")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(Map.of("model", model, "prompt", prompt))
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody()
            .returnResult()
            .getResponseBody();
    return json.readTree(body);
  }

  private String openAi(String model, String prompt) {
    byte[] body =
        web.post()
            .uri("/v1/chat/completions")
            .header("Authorization", "Bearer sk-test")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(
                Map.of(
                    "model", model, "messages", List.of(Map.of("role", "user", "content", prompt))))
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody()
            .returnResult()
            .getResponseBody();
    return json.readTree(body).at("/choices/0/message/content").asString();
  }
}
