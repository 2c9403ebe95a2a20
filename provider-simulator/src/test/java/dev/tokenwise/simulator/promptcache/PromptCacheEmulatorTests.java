package dev.tokenwise.simulator.promptcache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

class PromptCacheEmulatorTests {

  private final JsonMapper json = JsonMapper.builder().build();

  private JsonNode chat(int systemWords, String... users) {
    ObjectNode body = json.createObjectNode().put("model", "gpt-5-mini");
    ArrayNode messages = body.putArray("messages");
    messages.addObject().put("role", "system").put("content", "policy ".repeat(systemWords));
    for (String user : users) {
      messages.addObject().put("role", "user").put("content", user);
    }
    return body;
  }

  @Test
  void aRepeatedPrefixIsReadFromCacheIn128TokenStepsFrom1024() {
    PromptCacheEmulator cache = new PromptCacheEmulator();
    assertThat(cache.openAiCachedTokens("gpt-5-mini", chat(3000, "first"), 3020)).isZero();
    long cached = cache.openAiCachedTokens("gpt-5-mini", chat(3000, "second"), 3020);
    assertThat(cached).isGreaterThanOrEqualTo(2900).isLessThanOrEqualTo(3020);
    assertThat((cached - 1024) % 128).isZero();
  }

  @Test
  void prefixesShorterThan1024TokensAreNeverCached() {
    PromptCacheEmulator cache = new PromptCacheEmulator();
    cache.openAiCachedTokens("gpt-5-mini", chat(500, "a"), 520);
    assertThat(cache.openAiCachedTokens("gpt-5-mini", chat(500, "b"), 520)).isZero();
  }

  @Test
  void anExpiredPrefixOrAnotherModelMisses() {
    Instant[] now = {Instant.parse("2026-11-27T00:00:00Z")};
    Clock clock =
        new Clock() {
          @Override
          public ZoneOffset getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now[0];
          }
        };
    PromptCacheEmulator cache = new PromptCacheEmulator(clock);
    cache.openAiCachedTokens("gpt-5-mini", chat(3000, "q"), 3020);
    assertThat(cache.openAiCachedTokens("gpt-5-nano", chat(3000, "q"), 3020)).isZero();
    now[0] = now[0].plus(Duration.ofMinutes(11));
    assertThat(cache.openAiCachedTokens("gpt-5-mini", chat(3000, "q"), 3020)).isZero();
  }

  private ObjectNode messages(int systemWords, int turns, boolean breakpoints) {
    ObjectNode body = json.createObjectNode().put("model", "claude-sonnet-4-5");
    ObjectNode system = body.putArray("system").addObject();
    system.put("type", "text").put("text", "policy ".repeat(systemWords));
    if (breakpoints) {
      system.putObject("cache_control").put("type", "ephemeral");
    }
    ArrayNode list = body.putArray("messages");
    for (int i = 0; i < turns; i++) {
      list.addObject().put("role", "user").put("content", "question " + i);
      list.addObject().put("role", "assistant").put("content", "answer " + i);
    }
    list.addObject().put("role", "user").put("content", "latest " + turns);
    return body;
  }

  @Test
  void anthropicWritesAtABreakpointThenReadsIt() {
    PromptCacheEmulator cache = new PromptCacheEmulator();
    PromptCacheEmulator.AnthropicCache first =
        cache.anthropic("claude-sonnet-4-5", messages(3000, 0, true), 5000);
    assertThat(first.read()).isZero();
    assertThat(first.write5m()).isGreaterThan(2900);
    PromptCacheEmulator.AnthropicCache second =
        cache.anthropic("claude-sonnet-4-5", messages(3000, 1, true), 5000);
    assertThat(second.read()).isEqualTo(first.write5m());
    assertThat(second.writes()).isZero();
  }

  @Test
  void anthropicCachesNothingWithoutBreakpointsOrBelowTheMinimum() {
    PromptCacheEmulator cache = new PromptCacheEmulator();
    cache.anthropic("claude-sonnet-4-5", messages(3000, 0, false), 3100);
    assertThat(cache.anthropic("claude-sonnet-4-5", messages(3000, 0, false), 3100))
        .isEqualTo(PromptCacheEmulator.AnthropicCache.NONE);
    assertThat(cache.anthropic("claude-haiku-4-5", messages(1500, 0, true), 1600))
        .isEqualTo(PromptCacheEmulator.AnthropicCache.NONE);
  }
}
