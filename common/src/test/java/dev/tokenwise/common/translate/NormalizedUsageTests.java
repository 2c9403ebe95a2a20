package dev.tokenwise.common.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.anthropic.AnthropicUsage;
import dev.tokenwise.common.openai.OpenAiUsage;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class NormalizedUsageTests {

  private final JsonMapper mapper = JsonMapper.builder().build();

  @Test
  void anthropicInputIsWidenedToIncludeCacheReadsAndWrites() {
    AnthropicUsage usage =
        mapper.readValue(
            """
            {"input_tokens": 50, "cache_creation_input_tokens": 1000, "cache_read_input_tokens": 2000,
             "cache_creation": {"ephemeral_5m_input_tokens": 400, "ephemeral_1h_input_tokens": 600},
             "output_tokens": 30}
            """,
            AnthropicUsage.class);

    assertThat(NormalizedUsage.from(usage))
        .isEqualTo(new NormalizedUsage(3050, 2000, 400, 600, 30, 0));
  }

  @Test
  void anthropicSplitThatDoesNotAddUpLeavesTheRestAsFiveMinuteWrites() {
    AnthropicUsage usage =
        mapper.readValue(
            """
            {"input_tokens": 5, "cache_creation_input_tokens": 100, "output_tokens": 1,
             "cache_creation": {"ephemeral_1h_input_tokens": 30}}
            """,
            AnthropicUsage.class);

    assertThat(NormalizedUsage.from(usage)).isEqualTo(new NormalizedUsage(105, 0, 70, 30, 1, 0));
  }

  @Test
  void anthropicWritesWithoutSplitCountAsFiveMinuteWrites() {
    assertThat(NormalizedUsage.from(AnthropicUsage.of(10, 5, 100, 0)))
        .isEqualTo(new NormalizedUsage(110, 0, 100, 0, 5, 0));
  }

  @Test
  void openAiPromptTokensAlreadyIncludeCachedTokens() {
    OpenAiUsage usage =
        mapper.readValue(
            """
            {"prompt_tokens": 2006, "completion_tokens": 300, "total_tokens": 2306,
             "prompt_tokens_details": {"cached_tokens": 1920, "audio_tokens": 0},
             "completion_tokens_details": {"reasoning_tokens": 256}}
            """,
            OpenAiUsage.class);

    assertThat(NormalizedUsage.from(usage))
        .isEqualTo(new NormalizedUsage(2006, 1920, 0, 0, 300, 256));
  }

  @Test
  void missingDetailsCountAsZero() {
    OpenAiUsage usage =
        mapper.readValue("{\"prompt_tokens\": 9, \"completion_tokens\": 3}", OpenAiUsage.class);

    assertThat(NormalizedUsage.from(usage)).isEqualTo(new NormalizedUsage(9, 0, 0, 0, 3, 0));
    assertThat(NormalizedUsage.from((OpenAiUsage) null)).isEqualTo(NormalizedUsage.ZERO);
  }
}
