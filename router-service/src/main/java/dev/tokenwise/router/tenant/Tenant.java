package dev.tokenwise.router.tenant;

import dev.tokenwise.router.error.OpenAiApiException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;
import org.springframework.http.HttpStatus;

/**
 * An authenticated caller: the tenant id usage is billed to, its app when configured, and what its
 * key may do.
 *
 * @param routes the routes the key may use; empty for any
 * @param models the models the key may name; empty for any
 * @param rateLimit the key's request rate limit, or null for none
 * @param tokenLimit the key's token rate limit, or null for none
 * @param keyId the id its key budget is kept under: the admin API's id of the key (of the first
 *     key, for a rotated key's successors), or null for a configured key
 * @param budgetUsd the key's own monthly hard cap in USD, within its tenant's budget; null for none
 */
public record Tenant(
    String id,
    String app,
    List<String> routes,
    List<String> models,
    RateLimit rateLimit,
    TokenLimit tokenLimit,
    String keyId,
    BigDecimal budgetUsd) {

  /**
   * Spring Cloud Gateway's {@code RedisRateLimiter} token bucket, per key.
   *
   * @param replenishRate requests per second allowed on average
   * @param burstCapacity requests allowed in one burst
   */
  public record RateLimit(int replenishRate, int burstCapacity) {}

  /**
   * A token bucket over prompt plus output tokens, per key, kept in Redis ({@link
   * TokenRateLimits}).
   *
   * @param tokensPerMinute tokens the bucket regains per minute
   * @param burstTokens the bucket's size: the most tokens one burst of requests may use
   */
  public record TokenLimit(long tokensPerMinute, long burstTokens) {

    public TokenLimit {
      if (tokensPerMinute <= 0 || burstTokens <= 0) {
        throw new IllegalArgumentException("a token limit must be positive");
      }
    }

    /** A limit of {@code tokensPerMinute} with a burst of the same size, or null when unset. */
    static TokenLimit of(Long tokensPerMinute, Long burstTokens) {
      if (tokensPerMinute == null || tokensPerMinute <= 0) {
        return null;
      }
      return new TokenLimit(
          tokensPerMinute, burstTokens == null || burstTokens <= 0 ? tokensPerMinute : burstTokens);
    }
  }

  public Tenant {
    Objects.requireNonNull(id, "id");
    routes = routes == null ? List.of() : List.copyOf(routes);
    models = models == null ? List.of() : List.copyOf(models);
  }

  public Tenant(
      String id,
      String app,
      List<String> routes,
      List<String> models,
      RateLimit rateLimit,
      TokenLimit tokenLimit) {
    this(id, app, routes, models, rateLimit, tokenLimit, null, null);
  }

  public Tenant(
      String id, String app, List<String> routes, List<String> models, RateLimit rateLimit) {
    this(id, app, routes, models, rateLimit, null);
  }

  public Tenant(String id, String app) {
    this(id, app, List.of(), List.of(), null, null);
  }

  /**
   * Refuses a model name that is not printable ASCII of at most 256 characters (400: it is echoed
   * in the {@code Tokenwise-Model} header, where a CR/LF would be header injection), then (403,
   * naming the model) a model the key may not use.
   */
  public void checkModel(String model) {
    if (model == null
        || model.isEmpty()
        || model.length() > 256
        || !model.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
      throw OpenAiApiException.invalidRequest(
          "'model' must be 1 to 256 printable ASCII characters.", "model", "invalid_value");
    }
    if (!models.isEmpty() && !models.contains(model)) {
      throw new OpenAiApiException(
          HttpStatus.FORBIDDEN,
          "This API key may not use the model '" + model + "'.",
          "permission_error",
          "model",
          "model_not_allowed");
    }
  }

  /** Refuses (403, naming the route) a route the key may not use. */
  public void checkRoute(String route) {
    if (!routes.isEmpty() && !routes.contains(route)) {
      throw new OpenAiApiException(
          HttpStatus.FORBIDDEN,
          "This API key may not use the route '" + route + "'.",
          "permission_error",
          null,
          "route_not_allowed");
    }
  }
}
