package dev.tokenwise.simulator.promptcache;

import dev.tokenwise.common.tokens.TokenEstimator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * The providers' prompt caches, emulated.
 *
 * <p>OpenAI's is automatic and token-level (OpenAI's prompt-caching guide): a prompt of 1,024
 * tokens or more is served from cache for the longest prefix seen recently, counted in 128-token
 * steps (1,024, 1,152, 1,280, …) and reported as {@code prompt_tokens_details.cached_tokens}. The
 * prompt is the token sequence tools, then each message's framing, role and content in order, so a
 * prompt that changes in its last word still caches everything before the last 128-token step.
 * Caches are not shared between organisations, and a request is routed to a cache machine by a hash
 * of its first tokens combined with {@code prompt_cache_key}: two prompts that share a cacheable
 * prefix share those first tokens, so the emulation keeps one cache per organisation, model and
 * {@code prompt_cache_key} (absent is its own value). A prefix stays 10 minutes after its last use;
 * a hit refreshes it. Not emulated: the overflow to other machines above about 15 requests a minute
 * per prefix and key, and extended (24-hour) retention.
 *
 * <p>Anthropic's is explicit, at {@code cache_control} breakpoints: see {@link #anthropic}.
 */
@Component
public class PromptCacheEmulator {

  static final int OPENAI_MINIMUM = 1024;
  static final int OPENAI_STEP = 128;

  /** OpenAI keeps a prefix 5–10 minutes after its last use (up to an hour off-peak). */
  static final Duration OPENAI_RETENTION = Duration.ofMinutes(10);

  /** Framing tokens of OpenAI's chat format, outside the BPE's id range. */
  private static final int START = -1;

  private static final int MESSAGE = -2;
  private static final int NAME = -3;
  private static final int END = -4;

  private static final int MAX_ENTRIES = 200_000;

  private final Map<String, Instant> prefixes = new ConcurrentHashMap<>();
  private final Clock clock;

  public PromptCacheEmulator() {
    this(Clock.systemUTC());
  }

  PromptCacheEmulator(Clock clock) {
    this.clock = clock;
  }

  /**
   * The cached tokens OpenAI would report for this chat request, at most {@code promptTokens}, and
   * the request's prefixes remembered for the next one.
   *
   * @param organisation whose cache (the {@code OpenAI-Organization} header, else the API key)
   */
  public long openAiCachedTokens(
      String organisation, String model, JsonNode body, long promptTokens) {
    Instant now = clock.instant();
    int[] tokens = openAiPromptTokens(model, body);
    if (tokens.length < OPENAI_MINIMUM) {
      return 0;
    }
    JsonNode cacheKey = body.path("prompt_cache_key");
    String scope =
        organisation
            + "\u0000"
            + model
            + "\u0000"
            + (cacheKey.isString() ? "k:" + cacheKey.stringValue() : "-");
    // Two independent 64-bit polynomial hashes of the prefix: 128 bits, collisions negligible.
    long h1 = 0;
    long h2 = 0;
    List<String> keys = new ArrayList<>();
    long matched = 0;
    int next = OPENAI_MINIMUM;
    for (int i = 0; i < tokens.length; i++) {
      h1 = h1 * 1_000_003L + tokens[i] + 7;
      h2 = h2 * 0x9E3779B97F4A7C15L + (tokens[i] ^ 0x5bd1e995) + 11;
      if (i + 1 == next) {
        String key = scope + "\u0000" + next + ":" + Long.toHexString(h1) + Long.toHexString(h2);
        Instant expiry = prefixes.get(key);
        if (expiry != null && expiry.isAfter(now)) {
          matched = next;
        }
        keys.add(key);
        next += OPENAI_STEP;
      }
    }
    if (prefixes.size() + keys.size() > MAX_ENTRIES) {
      prefixes.values().removeIf(expiry -> !expiry.isAfter(now));
      if (prefixes.size() + keys.size() > MAX_ENTRIES) {
        // Memory pressure: a real cache evicts too; start over rather than grow without bound.
        prefixes.clear();
      }
    }
    Instant expiry = now.plus(OPENAI_RETENTION);
    for (String key : keys) {
      prefixes.put(key, expiry);
    }
    return Math.min(matched, promptTokens);
  }

  /**
   * The prompt as OpenAI's model reads it, as token ids: the tools' definitions, then per message
   * its start marker, role, content (text parts; other parts as their JSON, so a changed image
   * breaks the prefix), tool calls and name, and an end marker: the chat recipe's three framing
   * tokens per message, as in {@code prompt_tokens}.
   */
  static int[] openAiPromptTokens(String model, JsonNode body) {
    TokenEstimator estimator = TokenEstimator.shared();
    IntSequence out = new IntSequence();
    JsonNode tools = body.path("tools");
    if (tools.isArray() && !tools.isEmpty()) {
      out.add(estimator.encode(model, tools.toString()));
    }
    for (JsonNode message : body.path("messages")) {
      out.add(START);
      out.add(estimator.encode(model, message.path("role").asString("")));
      out.add(MESSAGE);
      JsonNode content = message.path("content");
      if (content.isString()) {
        out.add(estimator.encode(model, content.stringValue()));
      } else if (content.isArray()) {
        for (JsonNode part : content) {
          out.add(
              estimator.encode(
                  model,
                  part.path("type").asString("").equals("text")
                      ? part.path("text").asString("")
                      : part.toString()));
        }
      }
      for (JsonNode call : message.path("tool_calls")) {
        out.add(estimator.encode(model, call.path("function").path("name").asString("")));
        out.add(estimator.encode(model, call.path("function").path("arguments").asString("")));
      }
      if (message.path("name").isString()) {
        out.add(NAME);
        out.add(estimator.encode(model, message.path("name").stringValue()));
      }
      out.add(END);
    }
    return out.toArray();
  }

  /** A growable int array (the prompt's token ids). */
  private static final class IntSequence {
    private int[] values = new int[1024];
    private int size;

    void add(int value) {
      ensure(1);
      values[size++] = value;
    }

    void add(int[] more) {
      ensure(more.length);
      System.arraycopy(more, 0, values, size, more.length);
      size += more.length;
    }

    private void ensure(int more) {
      if (size + more > values.length) {
        values = Arrays.copyOf(values, Math.max(values.length * 2, size + more));
      }
    }

    int[] toArray() {
      return Arrays.copyOf(values, size);
    }
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
