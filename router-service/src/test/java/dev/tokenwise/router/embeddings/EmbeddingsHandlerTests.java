package dev.tokenwise.router.embeddings;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.tokens.TokenEstimator;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class EmbeddingsHandlerTests {

  private final JsonMapper json = JsonMapper.builder().build();

  @Test
  void inputTokensCountStringsAndOneTokenPerTokenId() {
    String model = "text-embedding-3-small";
    long hello = TokenEstimator.shared().countText(model, "hello world");

    assertThat(EmbeddingsHandler.inputTokens(model, json.readTree("\"hello world\"")))
        .isEqualTo(hello)
        .isPositive();
    assertThat(
            EmbeddingsHandler.inputTokens(
                model, json.readTree("[\"hello world\",\"hello world\"]")))
        .isEqualTo(2 * hello);
    assertThat(EmbeddingsHandler.inputTokens(model, json.readTree("[1, 2, 3]"))).isEqualTo(3);
    assertThat(EmbeddingsHandler.inputTokens(model, json.readTree("[[1, 2], [3, 4, 5]]")))
        .isEqualTo(5);
  }
}
