package dev.tokenwise.simulator.promptcache;

import dev.tokenwise.common.tokens.TokenEstimator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * OpenAI's automatic prompt caching, emulated: a prompt whose prefix was seen within the retention
 * window is served from cache for the longest such prefix, counted from 1,024 tokens in 128-token
 * steps and reported as {@code prompt_tokens_details.cached_tokens}. Prefixes are compared at
 * segment boundaries (the tools, then each message) rather than per token, so a prompt that changes
 * inside a message caches up to the message before it; a hit refreshes the entry.
 */
@Component
public class PromptCacheEmulator {

  static final long OPENAI_MINIMUM = 1024;
  static final long OPENAI_STEP = 128;

  /** OpenAI keeps a prefix 5–10 minutes after its last use (up to an hour off-peak). */
  static final Duration OPENAI_RETENTION = Duration.ofMinutes(10);

  private static final int MAX_ENTRIES = 200_000;

  private final Map<String, Instant> prefixes = new ConcurrentHashMap<>();
  private final Clock clock;

  public PromptCacheEmulator() {
    this(Clock.systemUTC());
  }

  PromptCacheEmulator(Clock clock) {
    this.clock = clock;
  }

  /** The cached tokens OpenAI would report for this chat request, at most {@code promptTokens}. */
  public long openAiCachedTokens(String model, JsonNode body, long promptTokens) {
    Instant now = clock.instant();
    TokenEstimator tokens = TokenEstimator.shared();
    List<String> keys = new ArrayList<>();
    long total = 0;
    long matched = 0;
    String chain = model;
    JsonNode tools = body.path("tools");
    List<String> segments = new ArrayList<>();
    if (tools.isArray() && !tools.isEmpty()) {
      segments.add(tools.toString());
    }
    for (JsonNode message : body.path("messages")) {
      segments.add(message.toString());
    }
    for (String segment : segments) {
      total += tokens.countText(model, segment);
      chain = sha256(chain + "\u0000" + segment);
      Instant expiry = prefixes.get(chain);
      if (expiry != null && expiry.isAfter(now)) {
        matched = total;
      }
      keys.add(chain);
    }
    if (prefixes.size() > MAX_ENTRIES) {
      prefixes.values().removeIf(expiry -> !expiry.isAfter(now));
    }
    Instant expiry = now.plus(OPENAI_RETENTION);
    for (String key : keys) {
      prefixes.put(key, expiry);
    }
    matched = Math.min(matched, promptTokens);
    return matched < OPENAI_MINIMUM
        ? 0
        : OPENAI_MINIMUM + (matched - OPENAI_MINIMUM) / OPENAI_STEP * OPENAI_STEP;
  }

  /**
   * Anthropic's explicit prompt caching, emulated for one Messages request.
   *
   * @param read {@code cache_read_input_tokens}
   * @param write5m tokens written with the 5-minute TTL
   * @param write1h tokens written with the 1-hour TTL
   */
  public record AnthropicCache(long read, long write5m, long write1h) {
    public static final AnthropicCache NONE = new AnthropicCache(0, 0, 0);

    public long writes() {
      return write5m + write1h;
    }
  }

  /** How far back from a breakpoint Anthropic looks for an earlier cached prefix. */
  static final int LOOKBACK_BLOCKS = 20;

  /**
   * Which tokens of a Messages request are read from the cache and which are written: the prefix
   * order is tools, system, messages; a breakpoint ({@code cache_control}) caches the prefix up to
   * its block when that prefix reaches the model's minimum (else nothing is cached and no error is
   * returned); a lookup checks each breakpoint and up to 20 blocks before it; a hit refreshes the
   * entry's TTL. Tokens between the cache read and a breakpoint are written at that breakpoint's
   * TTL.
   */
  public AnthropicCache anthropic(String model, JsonNode body, long inputTokens) {
    Instant now = clock.instant();
    TokenEstimator tokens = TokenEstimator.shared();
    List<JsonNode> blocks = new ArrayList<>();
    body.path("tools").forEach(blocks::add);
    JsonNode system = body.path("system");
    if (system.isArray()) {
      system.forEach(blocks::add);
    } else if (system.isString()) {
      blocks.add(system);
    }
    for (JsonNode message : body.path("messages")) {
      JsonNode content = message.path("content");
      if (content.isArray()) {
        content.forEach(blocks::add);
      } else {
        blocks.add(content);
      }
    }
    int n = blocks.size();
    long[] cumulative = new long[n];
    String[] hashes = new String[n];
    String chain = "anthropic\u0000" + model;
    long total = 0;
    for (int i = 0; i < n; i++) {
      JsonNode block = blocks.get(i);
      String text = block.isObject() ? withoutControl(block) : block.asString("");
      total += tokens.countText(model, text);
      cumulative[i] = total;
      chain = sha256(chain + "\u0000" + text);
      hashes[i] = chain;
    }
    List<Integer> breakpoints = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (blocks.get(i).path("cache_control").isObject()) {
        breakpoints.add(i);
      }
    }
    if (body.path("cache_control").isObject() && n > 0 && !breakpoints.contains(n - 1)) {
      breakpoints.add(n - 1);
    }
    long minimum = anthropicMinimum(model);
    int readAt = -1;
    for (int b : breakpoints) {
      for (int j = b; j >= Math.max(0, b - LOOKBACK_BLOCKS); j--) {
        Instant expiry = prefixes.get(hashes[j]);
        if (expiry != null && expiry.isAfter(now) && cumulative[j] >= minimum) {
          if (j > readAt) {
            readAt = j;
          }
          break;
        }
      }
    }
    long read = readAt < 0 ? 0 : cumulative[readAt];
    long write5m = 0;
    long write1h = 0;
    long covered = read;
    for (int b : breakpoints) {
      if (cumulative[b] < minimum) {
        continue;
      }
      String ttl = blocks.get(b).path("cache_control").path("ttl").asString("5m");
      Duration keep = ttl.equals("1h") ? Duration.ofHours(1) : Duration.ofMinutes(5);
      if (cumulative[b] > covered) {
        if (ttl.equals("1h")) {
          write1h += cumulative[b] - covered;
        } else {
          write5m += cumulative[b] - covered;
        }
        covered = cumulative[b];
      }
      prefixes.put(hashes[b], now.plus(keep));
    }
    if (readAt >= 0) {
      prefixes.computeIfPresent(
          hashes[readAt],
          (k, v) ->
              v.isAfter(now.plus(Duration.ofMinutes(5))) ? v : now.plus(Duration.ofMinutes(5)));
    }
    long all = Math.max(inputTokens, covered);
    double scale = total == 0 ? 1 : (double) Math.min(all, inputTokens) / Math.max(total, 1);
    if (scale < 1) {
      read = Math.round(read * scale);
      write5m = Math.round(write5m * scale);
      write1h = Math.round(write1h * scale);
    }
    return new AnthropicCache(read, write5m, write1h);
  }

  /** Minimum cacheable prefix per model (Anthropic's prompt-caching page; sources disagree). */
  static long anthropicMinimum(String model) {
    if (model.startsWith("claude-haiku-4-5")
        || model.startsWith("claude-opus-4-5")
        || model.startsWith("claude-opus-4-6")) {
      return 4096;
    }
    if (model.startsWith("claude-haiku") || model.startsWith("claude-sonnet-4-6")) {
      return 2048;
    }
    return 1024;
  }

  private static String withoutControl(JsonNode block) {
    if (!block.has("cache_control")) {
      return block.toString();
    }
    tools.jackson.databind.node.ObjectNode copy =
        ((tools.jackson.databind.node.ObjectNode) block).deepCopy();
    copy.remove("cache_control");
    return copy.toString();
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
