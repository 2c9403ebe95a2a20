package dev.tokenwise.router.usage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class TokenCountsTests {

  private final JsonMapper json = JsonMapper.builder().build();

  @Test
  void openAiPromptTokensAlreadyIncludeCachedOnes() {
    TokenCounts counts =
        TokenCounts.fromOpenAi(
            json.readTree(
                """
                {"prompt_tokens":2000,"completion_tokens":300,"total_tokens":2300,
                 "prompt_tokens_details":{"cached_tokens":1536,"cache_write_tokens":128},
                 "completion_tokens_details":{"reasoning_tokens":100}}"""));
    assertThat(counts).isEqualTo(new TokenCounts(2000, 1536, 128, 300, 100));
  }

  @Test
  void detailsAreOptional() {
    assertThat(
            TokenCounts.fromOpenAi(json.readTree("{\"prompt_tokens\":12,\"completion_tokens\":3}")))
        .isEqualTo(new TokenCounts(12, 0, 0, 3, 0));
    assertThat(TokenCounts.fromOpenAi(null)).isEqualTo(TokenCounts.ZERO);
  }

  @Test
  void inconsistentSubsetsAreCappedSoTheEventStaysValid() {
    assertThat(
            TokenCounts.fromOpenAi(
                json.readTree(
                    """
                    {"prompt_tokens":10,"completion_tokens":2,
                     "prompt_tokens_details":{"cached_tokens":50},
                     "completion_tokens_details":{"reasoning_tokens":9}}""")))
        .isEqualTo(new TokenCounts(10, 10, 0, 2, 2));
  }
}
