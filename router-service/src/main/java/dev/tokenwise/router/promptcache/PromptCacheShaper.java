package dev.tokenwise.router.promptcache;

import dev.tokenwise.router.route.Route;
import dev.tokenwise.router.route.RouteProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Shapes one request for provider prompt caches: lints it (counted per route and rule in {@value
 * #LINT_METRIC}), applies the safe fix when the route allows, sets OpenAI's {@code
 * prompt_cache_key} from tenant, route and the stable prefix when the client did not, and counts
 * the stable prefix's reuse in Redis (per route, over 5 minutes and 1 hour) so Anthropic
 * breakpoints are written only where reads are expected. Redis trouble costs only the statistics.
 */
@Component
public class PromptCacheShaper {

  public static final String LINT_METRIC = "tokenwise.promptcache.lint";
  static final Duration REDIS_TIMEOUT = Duration.ofMillis(200);

  /**
   * Counts one more use of a stable prefix in both windows (a key's expiry set when it is created)
   * and answers how many uses each window had before this one: one round trip instead of four.
   */
  @SuppressWarnings("rawtypes")
  private static final RedisScript<List> COUNT_REUSE =
      RedisScript.of(
          """
          local seen = {}
          for i, key in ipairs(KEYS) do
            local n = redis.call('INCR', key)
            if n == 1 then redis.call('EXPIRE', key, ARGV[i]) end
            seen[i] = n - 1
          end
          return seen
          """,
          List.class);

  private final PromptCacheLint lint = new PromptCacheLint();
  private final ReactiveStringRedisTemplate redis;
  private final MeterRegistry meters;
  private final PromptCacheProperties facts;
  private final JsonMapper json;

  public PromptCacheShaper(
      ReactiveStringRedisTemplate redis,
      MeterRegistry meters,
      PromptCacheProperties facts,
      JsonMapper json) {
    this.redis = redis;
    this.meters = meters;
    this.facts = facts;
    this.json = json;
  }

  /** What shaping did to one request. */
  public record Shaping(
      List<LintFinding> findings,
      boolean fixed,
      boolean keySet,
      String prefixHash,
      long reuse5m,
      long reuse1h) {

    /** The {@code Tokenwise-Prompt-Lint} header value, or null when clean. */
    public String lintHeader() {
      return findings.isEmpty()
          ? null
          : findings.stream().map(LintFinding::toString).collect(Collectors.joining(", "));
    }

    /** The OpenAI part of the {@code Tokenwise-Prompt-Cache} header. */
    public String header() {
      StringBuilder s = new StringBuilder();
      if (fixed) {
        s.append("reordered");
      }
      if (keySet) {
        s.append(s.isEmpty() ? "" : ", ").append("key-set");
      }
      return s.isEmpty() ? "unchanged" : s.toString();
    }

    static Shaping off() {
      return new Shaping(List.of(), false, false, null, 0, 0);
    }
  }

  /** Lints and shapes an OpenAI-shaped request in place. */
  public Mono<Shaping> shape(String tenant, Route route, ObjectNode request) {
    RouteProperties.PromptCache policy = route.definition().promptCache();
    List<LintFinding> findings = lint.lint(route.name(), request);
    for (LintFinding finding : findings) {
      Counter.builder(LINT_METRIC)
          .description("Cache-busting patterns found in requests, by route and rule")
          .tag("route", route.name())
          .tag("rule", finding.rule())
          .register(meters)
          .increment();
    }
    if (!policy.enabled()) {
      return Mono.just(new Shaping(findings, false, false, null, 0, 0));
    }
    boolean fixed = policy.fixOrder() && !findings.isEmpty() && PromptCacheLint.fix(request);
    String prefixHash = stablePrefixHash(request);
    boolean keySet = false;
    if (!request.has("prompt_cache_key") && prefixHash != null) {
      request.put("prompt_cache_key", key(tenant, route.name(), prefixHash));
      keySet = true;
    }
    if (prefixHash == null) {
      return Mono.just(new Shaping(findings, fixed, keySet, null, 0, 0));
    }
    boolean wasFixed = fixed;
    boolean wasKeySet = keySet;
    // one hash tag, so both keys live in one Redis Cluster slot and one script counts both
    String base = "tokenwise:router:prefix:{" + route.name() + ":" + prefixHash + "}";
    Shaping uncounted = new Shaping(findings, wasFixed, wasKeySet, prefixHash, 0, 0);
    return redis
        .execute(
            COUNT_REUSE,
            List.of(base + ":5m", base + ":1h"),
            List.of(
                String.valueOf(Duration.ofMinutes(5).toSeconds()),
                String.valueOf(Duration.ofHours(1).toSeconds())))
        .next()
        // a Redis that takes the command and never answers costs only the statistics
        .timeout(REDIS_TIMEOUT, Mono.just(List.of(0L, 0L)))
        .map(
            seen ->
                new Shaping(
                    findings,
                    wasFixed,
                    wasKeySet,
                    prefixHash,
                    ((Number) seen.get(0)).longValue(),
                    ((Number) seen.get(1)).longValue()))
        .onErrorReturn(uncounted)
        .defaultIfEmpty(uncounted);
  }

  /** Breakpoints for the Anthropic body built from the shaped request; the body as it goes out. */
  public byte[] forAnthropic(
      byte[] body, String model, Route route, Shaping shaping, String[] header) {
    RouteProperties.PromptCache policy = route.definition().promptCache();
    if (!policy.enabled()) {
      return body;
    }
    ObjectNode tree = (ObjectNode) json.readTree(body);
    tree.remove("prompt_cache_key");
    AnthropicBreakpoints.Placed placed =
        AnthropicBreakpoints.place(
            tree,
            model,
            facts,
            policy.ttl(),
            policy.minReusesToWrite(),
            shaping.reuse5m(),
            shaping.reuse1h());
    header[0] = placed.header();
    return json.writeValueAsBytes(tree);
  }

  /** SHA-256 of the tools and system messages: the part of a prompt every request repeats. */
  static String stablePrefixHash(JsonNode request) {
    StringBuilder stable = new StringBuilder();
    stable.append(request.path("tools").toString());
    for (JsonNode message : request.path("messages")) {
      if (PromptCacheLint.isSystem(message.path("role").asString(""))) {
        stable.append('\u0000').append(message.path("content").toString());
      }
    }
    if (stable.length() < 4) {
      return null;
    }
    return sha256(stable.toString()).substring(0, 32);
  }

  static String key(String tenant, String route, String prefixHash) {
    return "tw-" + sha256(tenant + "\u0000" + route + "\u0000" + prefixHash).substring(0, 40);
  }

  static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
