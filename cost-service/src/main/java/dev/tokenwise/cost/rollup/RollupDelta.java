package dev.tokenwise.cost.rollup;

import dev.tokenwise.common.pricing.CostBreakdown.Tactic;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.cost.pricing.EventCost;
import java.math.BigDecimal;

/** What a set of new events adds to one rollup row. Mutable; confined to one ingest batch. */
final class RollupDelta {

  long requests;
  long unpricedRequests;

  /** Requests that failed without an answer or usage ({@link UsageEvent#unanswered()}). */
  long errorRequests;

  long inputTokens;
  long cachedInputTokens;
  long cacheWriteTokens;
  long outputTokens;
  long reasoningTokens;
  long uncappedRequests;
  long uncappedOutputTokens;
  BigDecimal costUsd = BigDecimal.ZERO;
  BigDecimal baselineUsd = BigDecimal.ZERO;
  final BigDecimal[] savingsUsd = new BigDecimal[Tactic.values().length];
  final long[] inputHist = new long[TokenHistogram.BUCKETS];
  final long[] outputHist = new long[TokenHistogram.BUCKETS];

  RollupDelta() {
    java.util.Arrays.fill(savingsUsd, BigDecimal.ZERO);
  }

  void add(UsageEvent e, EventCost cost) {
    requests++;
    if (e.unanswered()) {
      // A failed request (no answer, no usage) is counted apart: reports divide by answered
      // requests, and it is neither unpriced nor a request with 0 tokens.
      errorRequests++;
      return;
    }
    inputTokens += e.inputTokens();
    cachedInputTokens += e.cachedInputTokens();
    cacheWriteTokens += e.cacheWriteTokens().total();
    outputTokens += e.outputTokens();
    reasoningTokens += e.reasoningTokens();
    if (!capLowered(e) && !e.mode().isCacheHit()) {
      uncappedRequests++;
      uncappedOutputTokens += e.outputTokens();
    }
    inputHist[TokenHistogram.bucket(e.inputTokens())]++;
    outputHist[TokenHistogram.bucket(e.outputTokens())]++;
    if (!cost.priced()) {
      unpricedRequests++;
      return;
    }
    costUsd = costUsd.add(cost.costUsd());
    baselineUsd = baselineUsd.add(cost.baselineUsd());
    for (Tactic tactic : Tactic.values()) {
      savingsUsd[tactic.ordinal()] = savingsUsd[tactic.ordinal()].add(cost.savingsUsd(tactic));
    }
  }

  /** Tokenwise capped the output below the client's own limit (or set one the client had not). */
  static boolean capLowered(UsageEvent e) {
    Long applied = e.appliedMaxTokens();
    Long asked = e.requestedMaxTokens();
    return applied != null && (asked == null || applied < asked);
  }
}
