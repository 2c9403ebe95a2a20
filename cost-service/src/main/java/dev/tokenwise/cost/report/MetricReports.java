package dev.tokenwise.cost.report;

import dev.tokenwise.cost.rollup.TokenHistogram;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The bodies of the metric and savings reports under {@code /api/reports}. */
final class MetricReports {

  private MetricReports() {}

  /** Metric 1: cost per request by route and model; money over priced requests only. */
  record CostPerRequest(Instant from, Instant to, CostRow overall, List<CostRow> rows) {}

  /**
   * @param route the route, or null in {@code overall}
   * @param model the billed model (served, else requested), or null in {@code overall}
   * @param requests answered requests
   * @param unpricedRequests requests whose model no catalog version prices (no money counted)
   * @param failedRequests requests that failed without an answer or usage (not in {@code requests},
   *     no money)
   */
  record CostRow(
      String route,
      String model,
      long requests,
      long unpricedRequests,
      long failedRequests,
      String costUsd,
      String costPerRequestUsd,
      String baselinePerRequestUsd) {

    static CostRow of(String route, String model, RollupTotals t) {
      return new CostRow(
          route,
          model,
          t.requests,
          t.unpricedRequests,
          t.failedRequests,
          UsageSummary.money(t.costUsd),
          Figures.perUnit(t.costUsd, t.pricedRequests()),
          Figures.perUnit(t.baselineUsd, t.pricedRequests()));
    }
  }

  /** Metric 2: input and output tokens per request by route. */
  record TokensPerRequest(Instant from, Instant to, TokensRow overall, List<TokensRow> routes) {}

  record TokensRow(String route, long requests, InputTokens input, OutputTokens output) {

    static TokensRow of(String route, RollupTotals t) {
      long uncached = t.inputTokens - t.cachedInputTokens - t.cacheWriteTokens;
      return new TokensRow(
          route,
          t.requests,
          new InputTokens(
              Figures.mean(t.inputTokens, t.requests),
              quantile(t.inputHist, 0.5),
              quantile(t.inputHist, 0.95),
              Figures.mean(uncached, t.requests),
              Figures.mean(t.cachedInputTokens, t.requests),
              Figures.mean(t.cacheWriteTokens, t.requests)),
          new OutputTokens(
              Figures.mean(t.outputTokens, t.requests),
              quantile(t.outputHist, 0.5),
              quantile(t.outputHist, 0.95)));
    }

    private static Double quantile(long[] hist, double q) {
      return Figures.round(TokenHistogram.quantile(hist, q), 1);
    }
  }

  /**
   * Per-request input; {@code p50}/{@code p95} are read from log-bucketed histograms (within about
   * 9% of the true value), means are exact. {@code uncachedMean + cacheReadMean + cacheWriteMean =
   * mean}.
   */
  record InputTokens(
      Double mean,
      Double p50,
      Double p95,
      Double uncachedMean,
      Double cacheReadMean,
      Double cacheWriteMean) {}

  record OutputTokens(Double mean, Double p50, Double p95) {}

  /** Metric 3: response-cache hit rate and provider prompt-cache read share by route. */
  record CacheHitRate(Instant from, Instant to, CacheRow overall, List<CacheRow> routes) {}

  /**
   * @param responseCacheHitRate (exact + semantic hits) / requests
   * @param promptCache input of the requests that reached a provider
   */
  record CacheRow(
      String route,
      long requests,
      long exactHits,
      long semanticHits,
      Double responseCacheHitRate,
      Double exactHitRate,
      Double semanticHitRate,
      PromptCache promptCache) {

    static CacheRow of(String route, RollupTotals t) {
      return new CacheRow(
          route,
          t.requests,
          t.exactHits,
          t.semanticHits,
          Figures.rate(t.exactHits + t.semanticHits, t.requests),
          Figures.rate(t.exactHits, t.requests),
          Figures.rate(t.semanticHits, t.requests),
          new PromptCache(
              t.providerRequests,
              t.providerInputTokens,
              t.providerCachedInputTokens,
              t.providerCacheWriteTokens,
              Figures.rate(t.providerCachedInputTokens, t.providerInputTokens),
              Figures.rate(t.providerCacheWriteTokens, t.providerInputTokens)));
    }
  }

  /**
   * @param readShare share of input tokens read from the provider's prompt cache
   * @param writeShare share of input tokens written to it
   */
  record PromptCache(
      long requests,
      long inputTokens,
      long cacheReadTokens,
      long cacheWriteTokens,
      Double readShare,
      Double writeShare) {}

  /** Metric 4: cost per active end user and per conversation by route. */
  record CostPerUser(Instant from, Instant to, UserRow overall, List<UserRow> routes) {}

  /**
   * @param activeUsers distinct end users (per tenant) with at least one request in the window
   * @param conversations distinct conversation ids (per tenant)
   */
  record UserRow(
      String route,
      long requests,
      String costUsd,
      long activeUsers,
      long conversations,
      String costPerActiveUserUsd,
      String costPerConversationUsd,
      Double requestsPerActiveUser) {

    static UserRow of(String route, RollupTotals t, Map<String, Long> actors) {
      long users = actors.getOrDefault("user", 0L);
      long conversations = actors.getOrDefault("conversation", 0L);
      return new UserRow(
          route,
          t.requests,
          UsageSummary.money(t.costUsd),
          users,
          conversations,
          Figures.perUnit(t.costUsd, users),
          Figures.perUnit(t.costUsd, conversations),
          Figures.mean(t.requests, users));
    }
  }

  /** Baseline against actual, and the saving split by tactic, per route and overall. */
  record Savings(Instant from, Instant to, SavingsRow overall, List<SavingsRow> routes) {}

  /**
   * @param savingsRate savings / baseline
   * @param byTactic the five tactics; they add up to {@code savingsUsd}. {@code outputCap} is an
   *     estimate against the route's measured uncapped output length.
   */
  record SavingsRow(
      String route,
      long requests,
      String baselineUsd,
      String costUsd,
      String savingsUsd,
      Double savingsRate,
      Map<String, String> byTactic) {

    static SavingsRow of(String route, RollupTotals t) {
      Map<String, String> byTactic = new LinkedHashMap<>();
      byTactic.put("cache", UsageSummary.money(t.savingsCacheUsd));
      byTactic.put("routing", UsageSummary.money(t.savingsRoutingUsd));
      byTactic.put("promptCaching", UsageSummary.money(t.savingsPromptCachingUsd));
      byTactic.put("batch", UsageSummary.money(t.savingsBatchUsd));
      byTactic.put("outputCap", UsageSummary.money(t.savingsOutputCapUsd));
      return new SavingsRow(
          route,
          t.requests,
          UsageSummary.money(t.baselineUsd),
          UsageSummary.money(t.costUsd),
          UsageSummary.money(t.savingsUsd()),
          Figures.rate(t.savingsUsd().doubleValue(), t.baselineUsd.doubleValue()),
          byTactic);
    }
  }

  static RollupTotals overall(Map<?, RollupTotals> rows) {
    RollupTotals all = new RollupTotals();
    rows.values().forEach(all::plus);
    return all;
  }

  static <T> List<T> list(Map<String, RollupTotals> byRoute, RowMaker<T> maker) {
    List<T> rows = new ArrayList<>(byRoute.size());
    byRoute.forEach((route, totals) -> rows.add(maker.make(route, totals)));
    return rows;
  }

  interface RowMaker<T> {
    T make(String route, RollupTotals totals);
  }
}
