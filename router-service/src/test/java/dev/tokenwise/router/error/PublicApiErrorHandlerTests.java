package dev.tokenwise.router.error;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ResponseStatusException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class PublicApiErrorHandlerTests {

  private final JsonMapper json = JsonMapper.builder().build();
  private final PublicApiErrorHandler handler = new PublicApiErrorHandler(json);

  @Test
  void unexpectedExceptionIs500WithoutItsMessageOrStack() {
    MockServerWebExchange exchange =
        MockServerWebExchange.from(MockServerHttpRequest.post("/v1/chat/completions"));
    handler.handle(exchange, new IllegalStateException("secret internals at line 42")).block();

    assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
    String body = exchange.getResponse().getBodyAsString().block();
    assertThat(body).doesNotContain("secret internals").doesNotContain("IllegalStateException");
    JsonNode error = json.readTree(body).get("error");
    assertThat(error.get("type").asString()).isEqualTo("server_error");
    assertThat(error.has("param")).isTrue();
    assertThat(error.has("code")).isTrue();
  }

  @Test
  void unknownPathUnderV1IsAnOpenAiShaped404() {
    MockServerWebExchange exchange =
        MockServerWebExchange.from(MockServerHttpRequest.get("/v1/nothing"));
    handler.handle(exchange, new ResponseStatusException(HttpStatus.NOT_FOUND)).block();

    assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
    JsonNode error = json.readTree(exchange.getResponse().getBodyAsString().block()).get("error");
    assertThat(error.get("type").asString()).isEqualTo("invalid_request_error");
    assertThat(error.get("code").asString()).isEqualTo("not_found");
  }

  @Test
  void outsideThePublicApiErrorsAreProblemDetails() {
    MockServerWebExchange exchange =
        MockServerWebExchange.from(MockServerHttpRequest.get("/internal/x"));
    handler.handle(exchange, new ResponseStatusException(HttpStatus.NOT_FOUND)).block();

    JsonNode problem = json.readTree(exchange.getResponse().getBodyAsString().block());
    assertThat(problem.get("type").asString())
        .isEqualTo("https://tokenwise.dev/problems/not-found");
    assertThat(problem.get("status").asInt()).isEqualTo(404);
  }
}
