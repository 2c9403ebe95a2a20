package dev.tokenwise.router.routing;

import dev.tokenwise.common.pricing.PriceCatalogs;
import dev.tokenwise.common.pricing.Rates;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Cache-aware routing. Remembers in Redis at which model a conversation's prefix was last served
 * (for the route's warm window, the provider cache's TTL); when the classifier picks another tier,
 * prices staying (the repeated prefix at the warm model's cached-read price) against switching
 * (every input token at full price) and keeps the cheaper. It only ever stays at a tier at least as
 * strong as the one chosen: a warm cheap model never overrules a classifier asking for the strong
 * one. Redis trouble means no warm prefixes, never a failed request.
 */
@Component
public class WarmPrefixes {

  static final Duration REDIS_TIMEOUT = Duration.ofMillis(200);

  /** Output tokens assumed when pricing the two choices (the same on both sides). */
  static final long ASSUMED_OUTPUT_TOKENS = 256;

  private final ReactiveStringRedisTemplate redis;
  private final PriceCatalogs prices;

  public WarmPrefixes(ReactiveStringRedisTemplate redis, PriceCatalogs prices) {
    this.redis = redis;
    this.prices = prices;
  }

  static String key(String tenant, String route, String conversation) {
    return "tokenwise:router:warm:" + tenant + ":" + route + ":" + conversation;
  }

  /**
   * The choice after weighing a warm prefix.
   *
   * @param conversation a hash identifying the conversation (stable prefix and first user turn)
   * @param prefixTokens tokens the next request repeats from the previous one
   * @param inputTokens all input tokens of this request
   */
  public Mono<TierChoice> adjust(
      TierChoice chosen,
      List<String> tiers,
      String tenant,
      String route,
      String conversation,
      long prefixTokens,
      long inputTokens,
      Duration window) {
    if (conversation == null || chosen.tier() < 0) {
      return Mono.just(chosen);
    }
    String key = key(tenant, route, conversation);
    return redis
        .opsForValue()
        .get(key)
        .timeout(REDIS_TIMEOUT)
        .map(warm -> decide(chosen, tiers, warm, prefixTokens, inputTokens))
        .defaultIfEmpty(chosen)
        .onErrorReturn(chosen)
        .flatMap(
            choice ->
                redis
                    .opsForValue()
                    .set(key, choice.model(), window)
                    .timeout(REDIS_TIMEOUT)
                    .onErrorReturn(false)
                    .thenReturn(choice));
  }

  TierChoice decide(
      TierChoice chosen, List<String> tiers, String warm, long prefixTokens, long inputTokens) {
    int warmTier = tiers.indexOf(warm);
    if (warm.equals(chosen.model()) || warmTier < chosen.tier()) {
      return chosen;
    }
    var catalog = prices.current();
    var stayRates = catalog.find(warm).map(p -> p.rates());
    var switchRates = catalog.find(chosen.model()).map(p -> p.rates());
    if (stayRates.isEmpty() || switchRates.isEmpty()) {
      return chosen;
    }
    BigDecimal stay = price(stayRates.get(), prefixTokens, inputTokens);
    BigDecimal move = price(switchRates.get(), 0, inputTokens);
    return stay.compareTo(move) <= 0
        ? new TierChoice(warm, warmTier, "warm-cache", chosen.score())
        : chosen;
  }

  static BigDecimal price(Rates rates, long cached, long input) {
    return rates
        .cachedInput()
        .multiply(BigDecimal.valueOf(cached))
        .add(rates.input().multiply(BigDecimal.valueOf(Math.max(0, input - cached))))
        .add(rates.output().multiply(BigDecimal.valueOf(ASSUMED_OUTPUT_TOKENS)));
  }
}
