package dev.tokenwise.cost.report;

import dev.tokenwise.cost.rollup.TokenHistogram;
import java.math.BigDecimal;

/**
 * Sums of rollup rows (one route and model, or any union of them), money unrounded. Mutable, so
 * groups can be merged into per-route and overall totals; histograms add bucket by bucket.
 */
final class RollupTotals {

  /** Answered requests (failed ones are {@link #failedRequests}). */
  long requests;

  long unpricedRequests;

  /** Requests that failed without an answer or usage: not in {@link #requests}. */
  long failedRequests;

  long exactHits;
  long semanticHits;
  long inputTokens;
  long cachedInputTokens;
  long cacheWriteTokens;
  long outputTokens;

  /** Requests answered by a provider (not from the response cache) and their input. */
  long providerRequests;

  long providerInputTokens;
  long providerCachedInputTokens;
  long providerCacheWriteTokens;
  BigDecimal costUsd = BigDecimal.ZERO;
  BigDecimal baselineUsd = BigDecimal.ZERO;
  BigDecimal savingsCacheUsd = BigDecimal.ZERO;
  BigDecimal savingsRoutingUsd = BigDecimal.ZERO;
  BigDecimal savingsPromptCachingUsd = BigDecimal.ZERO;
  BigDecimal savingsBatchUsd = BigDecimal.ZERO;
  BigDecimal savingsOutputCapUsd = BigDecimal.ZERO;
  final long[] inputHist = new long[TokenHistogram.BUCKETS];
  final long[] outputHist = new long[TokenHistogram.BUCKETS];

  RollupTotals plus(RollupTotals o) {
    requests += o.requests;
    unpricedRequests += o.unpricedRequests;
    failedRequests += o.failedRequests;
    exactHits += o.exactHits;
    semanticHits += o.semanticHits;
    inputTokens += o.inputTokens;
    cachedInputTokens += o.cachedInputTokens;
    cacheWriteTokens += o.cacheWriteTokens;
    outputTokens += o.outputTokens;
    providerRequests += o.providerRequests;
    providerInputTokens += o.providerInputTokens;
    providerCachedInputTokens += o.providerCachedInputTokens;
    providerCacheWriteTokens += o.providerCacheWriteTokens;
    costUsd = costUsd.add(o.costUsd);
    baselineUsd = baselineUsd.add(o.baselineUsd);
    savingsCacheUsd = savingsCacheUsd.add(o.savingsCacheUsd);
    savingsRoutingUsd = savingsRoutingUsd.add(o.savingsRoutingUsd);
    savingsPromptCachingUsd = savingsPromptCachingUsd.add(o.savingsPromptCachingUsd);
    savingsBatchUsd = savingsBatchUsd.add(o.savingsBatchUsd);
    savingsOutputCapUsd = savingsOutputCapUsd.add(o.savingsOutputCapUsd);
    for (int i = 0; i < TokenHistogram.BUCKETS; i++) {
      inputHist[i] += o.inputHist[i];
      outputHist[i] += o.outputHist[i];
    }
    return this;
  }

  /** Requests that were priced (money is summed over these only). */
  long pricedRequests() {
    return requests - unpricedRequests;
  }

  BigDecimal savingsUsd() {
    return baselineUsd.subtract(costUsd);
  }
}
