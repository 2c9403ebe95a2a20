package dev.tokenwise.cost.report;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The body of {@code GET /api/usage/summary}. Money is a JSON string of a plain decimal in USD,
 * rounded here and only here to {@value #MONEY_SCALE} places.
 *
 * <p>Beyond the contract's fields: {@code unpricedRequests} (events whose model the catalog did not
 * know; counted in requests and tokens, not in money) and {@code savingsByTactic}.
 */
record UsageSummary(
    Instant from,
    Instant to,
    long requests,
    long unpricedRequests,
    long inputTokens,
    long cachedInputTokens,
    long outputTokens,
    String costUsd,
    String baselineUsd,
    String savingsUsd,
    Map<String, String> savingsByTactic,
    List<ModelUsage> byModel) {

  static final int MONEY_SCALE = 10;

  /** One model's share of the window. */
  record ModelUsage(
      String model,
      long requests,
      long inputTokens,
      long cachedInputTokens,
      long outputTokens,
      String costUsd,
      String baselineUsd,
      String savingsUsd) {}

  static UsageSummary of(Instant from, Instant to, Map<String, UsageTotals> byModel) {
    UsageTotals total = byModel.values().stream().reduce(UsageTotals.ZERO, UsageTotals::plus);
    Map<String, String> byTactic = new LinkedHashMap<>();
    byTactic.put("cache", money(total.savingsCacheUsd()));
    byTactic.put("routing", money(total.savingsRoutingUsd()));
    byTactic.put("promptCaching", money(total.savingsPromptCachingUsd()));
    byTactic.put("batch", money(total.savingsBatchUsd()));
    byTactic.put("outputCap", money(total.savingsOutputCapUsd()));
    List<ModelUsage> models =
        byModel.entrySet().stream()
            .map(
                e ->
                    new ModelUsage(
                        e.getKey(),
                        e.getValue().requests(),
                        e.getValue().inputTokens(),
                        e.getValue().cachedInputTokens(),
                        e.getValue().outputTokens(),
                        money(e.getValue().costUsd()),
                        money(e.getValue().baselineUsd()),
                        money(e.getValue().savingsUsd())))
            .toList();
    return new UsageSummary(
        from,
        to,
        total.requests(),
        total.unpricedRequests(),
        total.inputTokens(),
        total.cachedInputTokens(),
        total.outputTokens(),
        money(total.costUsd()),
        money(total.baselineUsd()),
        money(total.savingsUsd()),
        byTactic,
        models);
  }

  static String money(BigDecimal usd) {
    BigDecimal rounded = usd.setScale(MONEY_SCALE, RoundingMode.HALF_EVEN).stripTrailingZeros();
    return rounded.signum() == 0 ? "0" : rounded.toPlainString();
  }
}
