package dev.tokenwise.router.tenant;

import dev.tokenwise.common.tokens.TokenEstimator;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.request.Deadlines;
import dev.tokenwise.router.usage.UsageListener;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * Per-key tokens-per-minute limits, shared by every router replica through Redis.
 *
 * <p>The algorithm is Spring Cloud Gateway's {@code RedisRateLimiter} token bucket ({@code
 * META-INF/scripts/request_rate_limiter.lua}: two keys, the bucket's level and when it was last
 * refilled, updated in one script on the Redis server's clock), but that class cannot serve here:
 * its {@code isAllowed(routeId, id)} charges the fixed {@code requestedTokens} of a per-route
 * {@code Config}, so a per-request cost would need one config per cost; its rate is an {@code int}
 * per second; and its script refuses rather than records a charge the bucket cannot cover, so the
 * cost of an answer longer than its estimate could not be booked afterwards. The script below is
 * that bucket with a cost argument, a per-second rate that may be fractional, and an {@code adjust}
 * mode that books corrections, letting the level go below zero (debt delays the next requests).
 *
 * <p>A request is charged before the provider call with an estimate: its prompt counted with
 * common's {@link TokenEstimator} plus its output limit ({@link
 * TokenRateLimitProperties#defaultMaxOutputTokens()} when it has none). When its usage event is
 * published the charge is corrected to the tokens the answer really used (input plus output), so a
 * limit counts what was spent, not what might have been. Cache hits are not charged. Over the
 * limit: 429 with {@code Retry-After} (the seconds until the bucket holds the request's estimate)
 * and OpenAI's {@code rate_limit_exceeded} error of type {@code tokens}; the error handler gives it
 * Anthropic's shape on {@code /v1/messages}.
 */
@Component
public class TokenRateLimits implements UsageListener {

  private static final Logger log = LoggerFactory.getLogger(TokenRateLimits.class);

  /**
   * KEYS: level, refilled-at. ARGV: rate (tokens a second), capacity, amount, mode ({@code take}:
   * charge only when the level covers it; {@code adjust}: book unconditionally). Returns {allowed
   * (1|0), level after (floored), seconds until {@code amount} would be covered}.
   */
  @SuppressWarnings("rawtypes")
  private static final RedisScript<List> BUCKET =
      RedisScript.of(
          """
          redis.replicate_commands()
          local rate = tonumber(ARGV[1])
          local capacity = tonumber(ARGV[2])
          local amount = tonumber(ARGV[3])
          local time = redis.call('TIME')
          local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
          local last_tokens = tonumber(redis.call('GET', KEYS[1])) or capacity
          local last_refreshed = tonumber(redis.call('GET', KEYS[2])) or now
          local filled = math.min(capacity, last_tokens + math.max(0, now - last_refreshed) * rate)
          local allowed = 1
          local wait = 0
          local level = filled
          if ARGV[4] == 'take' then
            if filled >= amount then
              level = filled - amount
            else
              allowed = 0
              wait = math.ceil((amount - filled) / rate)
            end
          else
            level = math.min(capacity, filled - amount)
          end
          local ttl = math.ceil((capacity - level) / rate) + 1
          redis.call('SET', KEYS[1], tostring(level), 'EX', ttl)
          redis.call('SET', KEYS[2], tostring(now), 'EX', ttl)
          return {allowed, math.floor(level), wait}
          """,
          List.class);

  /** Fields whose text is media (images, audio, files), billed by their own rules, not as text. */
  private static final Set<String> MEDIA = Set.of("image_url", "input_audio", "file", "source");

  static final String LIMIT_HEADER = "x-ratelimit-limit-tokens";
  static final String REMAINING_HEADER = "x-ratelimit-remaining-tokens";
  static final String RESET_HEADER = "x-ratelimit-reset-tokens";

  private record Charge(String keyHash, Tenant.TokenLimit limit, long tokens) {}

  private final ReactiveStringRedisTemplate redis;
  private final TokenRateLimitProperties properties;
  private final Map<String, Charge> inFlight = new ConcurrentHashMap<>();

  public TokenRateLimits(ReactiveStringRedisTemplate redis, TokenRateLimitProperties properties) {
    this.redis = redis;
    this.properties = properties;
  }

  /**
   * Charges the request's estimated tokens to its key's bucket, then runs {@code next} (the budget
   * check); when {@code next} fails the charge is returned. Completes at once for a key without a
   * token limit.
   *
   * @param requestId the id its usage event will carry, which settles the charge
   * @param request the client's request (Chat Completions or Messages)
   * @param maxOutputTokens the output limit applied to the request, or null
   * @throws OpenAiApiException (as the error signal) 429 when the bucket cannot cover the estimate
   */
  public Mono<Void> admit(
      ServerWebExchange exchange,
      Tenant tenant,
      String requestId,
      String model,
      JsonNode request,
      Long maxOutputTokens,
      Mono<Void> next) {
    if (tenant.tokenLimit() == null) {
      return next;
    }
    long output =
        maxOutputTokens != null && maxOutputTokens > 0
            ? maxOutputTokens
            : properties.defaultMaxOutputTokens();
    return admit(exchange, tenant, requestId, promptTokens(model, request) + output, next);
  }

  /**
   * As {@link #admit(ServerWebExchange, Tenant, String, String, JsonNode, Long, Mono)} for a
   * request whose whole token estimate the caller made (an embeddings input, which has no output).
   */
  public Mono<Void> admit(
      ServerWebExchange exchange, Tenant tenant, String requestId, long estimate, Mono<Void> next) {
    Tenant.TokenLimit limit = tenant.tokenLimit();
    String key = VirtualKeyAuthenticator.presented(exchange.getRequest().getHeaders());
    if (limit == null || key == null) {
      return next;
    }
    String hash = VirtualKeyAuthenticator.hash(key);
    return run(hash, limit, estimate, "take")
        .flatMap(
            result -> {
              boolean allowed = ((Number) result.get(0)).longValue() == 1;
              long level = ((Number) result.get(1)).longValue();
              long wait = ((Number) result.get(2)).longValue();
              HttpHeaders headers = exchange.getResponse().getHeaders();
              headers.set(LIMIT_HEADER, String.valueOf(limit.tokensPerMinute()));
              headers.set(REMAINING_HEADER, String.valueOf(Math.max(0, level)));
              if (allowed) {
                inFlight.put(requestId, new Charge(hash, limit, estimate));
                return Mono.<Void>empty();
              }
              if (estimate > limit.burstTokens()) {
                // never coverable: waiting would not help, so no Retry-After (OpenAI answers a
                // request over its TPM limit the same way)
                return Mono.error(
                    tooMany(
                        "Request too large for this API key: limit "
                            + limit.tokensPerMinute()
                            + " tokens per minute (burst "
                            + limit.burstTokens()
                            + "), requested "
                            + estimate
                            + " (prompt estimate plus output limit). Lower max_tokens or send"
                            + " less."));
              }
              long seconds = Math.max(1, wait);
              headers.set(HttpHeaders.RETRY_AFTER, String.valueOf(seconds));
              headers.set(RESET_HEADER, seconds + "s");
              return Mono.error(
                  tooMany(
                      "Rate limit reached for tokens on this API key: limit "
                          + limit.tokensPerMinute()
                          + " tokens per minute, remaining "
                          + Math.max(0, level)
                          + ", requested "
                          + estimate
                          + ". Retry after "
                          + seconds
                          + " s."));
            })
        .then(Mono.defer(() -> next))
        .doOnError(e -> release(requestId));
  }

  /** Books the difference between the charge and the tokens the answer used; never fails. */
  @Override
  public void onUsage(UsageEvent event) {
    Charge charge = inFlight.remove(event.requestId());
    if (charge == null) {
      return;
    }
    adjust(charge, event.inputTokens() + event.outputTokens() - charge.tokens());
  }

  /** Returns a request's whole charge (it was refused after charging). */
  private void release(String requestId) {
    Charge charge = inFlight.remove(requestId);
    if (charge != null) {
      adjust(charge, -charge.tokens());
    }
  }

  private void adjust(Charge charge, long tokens) {
    if (tokens == 0) {
      return;
    }
    run(charge.keyHash(), charge.limit(), tokens, "adjust")
        .subscribe(ok -> {}, e -> log.warn("Token charge not corrected: {}", e.toString()));
  }

  @SuppressWarnings("rawtypes")
  private Mono<List> run(String hash, Tenant.TokenLimit limit, long amount, String mode) {
    String prefix = "tokenwise:ratelimit:tokens:{" + hash + "}";
    return redis
        .execute(
            BUCKET,
            List.of(prefix + ":level", prefix + ":refilled"),
            List.of(
                Double.toString(limit.tokensPerMinute() / 60.0),
                String.valueOf(limit.burstTokens()),
                String.valueOf(amount),
                mode))
        .next()
        .transform(call -> Deadlines.within(call, properties.redisTimeout()))
        .onErrorResume(
            e -> {
              log.warn("Token rate limit skipped, Redis unavailable: {}", e.toString());
              return Mono.empty();
            });
  }

  /**
   * The prompt's tokens by common's estimator: every text under {@code system}, {@code messages}
   * and {@code tools} (tool schemas count: providers bill them as input), plus the chat recipe's
   * per-message overhead.
   */
  public static long promptTokens(String model, JsonNode request) {
    StringBuilder text = new StringBuilder();
    for (String field : List.of("system", "messages", "tools", "functions")) {
      collect(request.path(field), text);
    }
    int messages = request.path("messages").isArray() ? request.path("messages").size() : 0;
    return TokenEstimator.shared().countText(model, text.toString())
        + (long) messages * TokenEstimator.TOKENS_PER_MESSAGE
        + TokenEstimator.REPLY_PRIMING_TOKENS;
  }

  /**
   * How many image, audio and file parts the request's messages carry: {@link #promptTokens} counts
   * text only.
   */
  public static int mediaParts(JsonNode request) {
    return countMedia(request.path("messages")) + countMedia(request.path("system"));
  }

  private static int countMedia(JsonNode node) {
    int parts = 0;
    if (node.isArray()) {
      for (JsonNode child : node) {
        parts += countMedia(child);
      }
    } else if (node.isObject()) {
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        parts += MEDIA.contains(field.getKey()) ? 1 : countMedia(field.getValue());
      }
    }
    return parts;
  }

  private static void collect(JsonNode node, StringBuilder text) {
    if (node.isString()) {
      text.append(node.asString()).append('\n');
    } else if (node.isArray()) {
      node.forEach(child -> collect(child, text));
    } else if (node.isObject()) {
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        if (!MEDIA.contains(field.getKey())) {
          collect(field.getValue(), text);
        }
      }
    }
  }

  private static OpenAiApiException tooMany(String message) {
    return new OpenAiApiException(
        HttpStatus.TOO_MANY_REQUESTS, message, "tokens", null, "rate_limit_exceeded");
  }
}
