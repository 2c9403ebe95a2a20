package dev.tokenwise.common.cache;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import tools.jackson.databind.JsonNode;

/**
 * cache-service's internal API: its paths and the request and answer bodies, defined once here and
 * used by cache-service (which answers with these records) and by its callers, the router and
 * batch-service (which send and read them). Every call carries a service token naming the tenant in
 * the body. Absent members are left out of the JSON.
 */
public final class CacheApi {

  public static final String LOOKUP = "/internal/cache/lookup";
  public static final String STORE = "/internal/cache/store";
  public static final String SHADOW = "/internal/cache/shadow";
  public static final String INVALIDATE = "/internal/cache/invalidate";
  public static final String STATS = "/internal/cache/stats";

  private CacheApi() {}

  /**
   * {@code POST /internal/cache/lookup}.
   *
   * @param request the client's OpenAI chat request (an Anthropic one translated to it)
   * @param cacheControl the client's {@code Cache-Control}, when it sent one
   * @param policy the route's cache policy ({@code semantic}, {@code threshold}, {@code
   *     modelVersion}, …); members not set fall back to cache-service's configuration
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Lookup(
      String tenant,
      String route,
      String model,
      JsonNode request,
      String cacheControl,
      JsonNode policy) {}

  /**
   * {@code POST /internal/cache/store}: {@link Lookup}'s members plus the answer.
   *
   * @param response the OpenAI {@code chat.completion} to store
   * @param ttl ISO-8601 duration, when the route sets one
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Store(
      String tenant,
      String route,
      String model,
      JsonNode request,
      String cacheControl,
      JsonNode policy,
      JsonNode response,
      String ttl) {}

  /**
   * The answer to a lookup: {@code result} is {@value #HIT_EXACT}, {@value #HIT_SEMANTIC}, {@value
   * #MISS} or {@value #BYPASS}.
   *
   * @param similarity a semantic hit's cosine similarity
   * @param shadow a semantic hit the caller should check against the model ({@code true} or absent)
   * @param semanticBypass on a miss, why the semantic cache was not consulted
   * @param store on a bypass, {@code false} when the client also forbade storing the answer
   * @param response a hit's stored {@code chat.completion}
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record LookupResult(
      String result,
      String entryId,
      Instant storedAt,
      Double similarity,
      Boolean shadow,
      String semanticBypass,
      Boolean store,
      JsonNode response) {

    public static final String HIT_EXACT = "hit-exact";
    public static final String HIT_SEMANTIC = "hit-semantic";
    public static final String MISS = "miss";
    public static final String BYPASS = "bypass";
  }

  /** The answer to a store (201). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record StoreResult(String entryId, String semanticEntryId) {}

  /**
   * {@code POST /internal/cache/shadow}, or an entry of {@link VerdictStream}: whether a semantic
   * hit's answer agreed with the model's own answer to the same request.
   *
   * @param verdictId the verdict's unique id (1 to {@value #MAX_VERDICT_ID} letters, digits, {@code
   *     -} or {@code _}), when the caller sends one: cache-service records a verdict id once, so a
   *     verdict delivered twice (by the stream and by HTTP, or redelivered) counts once
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ShadowReport(
      String tenant,
      String route,
      String model,
      String entryId,
      Double similarity,
      boolean agreed,
      String verdictId) {

    /** The longest verdict id cache-service accepts. */
    public static final int MAX_VERDICT_ID = 64;
  }

  /** The answer to a shadow report (202). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ShadowResult(Double falseHitEstimate, Double learnedThreshold) {}

  /**
   * {@code POST /internal/cache/invalidate}: the tenant's entries, narrowed by route, model and
   * entry id when given.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Invalidate(String tenant, String route, String model, String entryId) {}

  /** The answer to an invalidation: how many entries went, and at which scope. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record InvalidateResult(long invalidated, String scope) {}
}
