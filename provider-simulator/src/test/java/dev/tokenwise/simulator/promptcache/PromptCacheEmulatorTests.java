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

  /** One user message: {@code words} words of text, then {@code last}. */
  private ObjectNode oneMessage(int words, String last) {
    ObjectNode body = json.createObjectNode().put("model", "gpt-5-mini");
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < words; i++) {
      text.append("word").append(i % 97).append(' ');
    }
    body.putArray("messages")
        .addObject()
        .put("role", "user")
        .put("content", text.append(last).toString());
    return body;
  }

  private static long cached(PromptCacheEmulator cache, String org, JsonNode body) {
    return cache.openAiCachedTokens(org, "gpt-5-mini", body, promptTokens(body));
  }

  private static long promptTokens(JsonNode body) {
    return PromptCacheEmulator.openAiPromptTokens("gpt-5-mini", body).length + 3;
  }

  /** Tokens two prompts have in common from the start. */
  private static int commonPrefix(JsonNode a, JsonNode b) {
    int[] x = PromptCacheEmulator.openAiPromptTokens("gpt-5-mini", a);
    int[] y = PromptCacheEmulator.openAiPromptTokens("gpt-5-mini", b);
    int n = 0;
    while (n < x.length && n < y.length && x[n] == y[n]) {
      n++;
    }
    return n;
  }

  private static long step(long tokens) {
    return tokens < 1024 ? 0 : 1024 + (tokens - 1024) / 128 * 128;
  }

  @Test
  void theLongestCommonTokenPrefixIsCachedInSteps() {
    // The naive client of the issue: one long message whose last word changes every time.
    PromptCacheEmulator cache = new PromptCacheEmulator();
    ObjectNode first = oneMessage(3000, "Monday");
    ObjectNode second = oneMessage(3000, "Tuesday");
    assertThat(cached(cache, "org-a", first)).isZero();
    long cached = cached(cache, "org-a", second);
    assertThat(cached).isEqualTo(step(commonPrefix(first, second))).isGreaterThan(2800);
    assertThat((cached - 1024) % 128).isZero();
  }

  @Test
  void aSystemPromptEndingInATimestampCachesEverythingBeforeIt() {
    PromptCacheEmulator cache = new PromptCacheEmulator();
    JsonNode first = chat(3000, "question");
    ((ObjectNode) first.path("messages").get(0))
        .put("content", "policy ".repeat(3000) + "Current time: 2026-11-27T03:00:00Z");
    JsonNode second = first.deepCopy();
    ((ObjectNode) second.path("messages").get(0))
        .put("content", "policy ".repeat(3000) + "Current time: 2026-11-27T03:00:17Z");
    cached(cache, "org-a", first);
    assertThat(cached(cache, "org-a", second))
        .isEqualTo(step(commonPrefix(first, second)))
        .isGreaterThanOrEqualTo(2944);
  }

  @Test
  void anIdenticalPromptIsCachedToItsLast128TokenStep() {
    PromptCacheEmulator cache = new PromptCacheEmulator();
    ObjectNode body = oneMessage(2000, "end");
    cached(cache, "org-a", body);
    int length = PromptCacheEmulator.openAiPromptTokens("gpt-5-mini", body).length;
    assertThat(cached(cache, "org-a", body)).isEqualTo(step(length));
  }

  @Test
  void promptsShorterThan1024TokensAreNeverCached() {
    PromptCacheEmulator cache = new PromptCacheEmulator();
    ObjectNode body = oneMessage(400, "end");
    assertThat(PromptCacheEmulator.openAiPromptTokens("gpt-5-mini", body).length).isLessThan(1024);
    cached(cache, "org-a", body);
    assertThat(cached(cache, "org-a", body)).isZero();
  }

  @Test
  void aPrefixSharedInFewerThan1024TokensIsNotCached() {
    PromptCacheEmulator cache = new PromptCacheEmulator();
    cached(cache, "org-a", oneMessage(3000, "x"));
    ObjectNode other = oneMessage(400, "different " + "y ".repeat(2000));
    assertThat(cached(cache, "org-a", other)).isZero();
  }

  @Test
  void cachesAreNotSharedBetweenOrganisations() {
    PromptCacheEmulator cache = new PromptCacheEmulator();
    cached(cache, "org-a", oneMessage(3000, "Monday"));
    assertThat(cached(cache, "org-b", oneMessage(3000, "Tuesday"))).isZero();
    assertThat(cached(cache, "org-a", oneMessage(3000, "Tuesday"))).isPositive();
  }

  @Test
  void promptCacheKeyRoutesRequestsToTheSameCache() {
    PromptCacheEmulator cache = new PromptCacheEmulator();
    cached(cache, "org-a", oneMessage(3000, "Monday").put("prompt_cache_key", "conv-1"));
    assertThat(
            cached(cache, "org-a", oneMessage(3000, "Tuesday").put("prompt_cache_key", "conv-1")))
        .isPositive();
    assertThat(cached(cache, "org-a", oneMessage(3000, "Wed").put("prompt_cache_key", "conv-2")))
        .as("another key routes elsewhere")
        .isZero();
    assertThat(cached(cache, "org-a", oneMessage(3000, "Thursday")))
        .as("no key routes by the prefix alone")
        .isZero();
  }

  @Test
  void anExpiredPrefixOrAnotherModelMissesAndAHitRefreshes() {
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
    JsonNode body = chat(3000, "q");
    cache.openAiCachedTokens("org-a", "gpt-5-mini", body, 3020);
    assertThat(cache.openAiCachedTokens("org-a", "gpt-5-nano", body, 3020)).isZero();
    now[0] = now[0].plus(Duration.ofMinutes(8));
    assertThat(cache.openAiCachedTokens("org-a", "gpt-5-mini", body, 3020)).isPositive();
    now[0] = now[0].plus(Duration.ofMinutes(8));
    assertThat(cache.openAiCachedTokens("org-a", "gpt-5-mini", body, 3020))
        .as("the hit 8 minutes ago kept it")
        .isPositive();
    now[0] = now[0].plus(Duration.ofMinutes(11));
    assertThat(cache.openAiCachedTokens("org-a", "gpt-5-mini", body, 3020)).isZero();
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
