package dev.tokenwise.cost.rollup;

import dev.tokenwise.common.pricing.CostBreakdown.Tactic;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.cost.pricing.EventCost;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * What a set of new events adds to one rollup row. Mutable; confined to one ingest batch or one
 * fold.
 */
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

  /** The row's user/conversation scope ({@link RollupStore#scope}) once computed; 0 before. */
  long scope;

  RollupDelta() {
    java.util.Arrays.fill(savingsUsd, BigDecimal.ZERO);
  }

  /**
   * The counts in {@code cost.usage_rollup}'s column order: requests, unpriced, errors, input,
   * cached input, cache writes, output, reasoning, uncapped requests, uncapped output.
   */
  long[] counts() {
    return new long[] {
      requests,
      unpricedRequests,
      errorRequests,
      inputTokens,
      cachedInputTokens,
      cacheWriteTokens,
      outputTokens,
      reasoningTokens,
      uncappedRequests,
      uncappedOutputTokens
    };
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

  /**
   * Adds a row of {@code cost.usage_rollup_pending} (columns in its table order, as {@link
   * RollupStore} selects them): another batch's delta to the same rollup row.
   */
  void add(ResultSet rs) throws SQLException {
    requests += rs.getLong(7);
    unpricedRequests += rs.getLong(8);
    errorRequests += rs.getLong(9);
    inputTokens += rs.getLong(10);
    cachedInputTokens += rs.getLong(11);
    cacheWriteTokens += rs.getLong(12);
    outputTokens += rs.getLong(13);
    reasoningTokens += rs.getLong(14);
    uncappedRequests += rs.getLong(15);
    uncappedOutputTokens += rs.getLong(16);
    costUsd = costUsd.add(rs.getBigDecimal(17));
    baselineUsd = baselineUsd.add(rs.getBigDecimal(18));
    for (Tactic tactic : Tactic.values()) {
      savingsUsd[tactic.ordinal()] =
          savingsUsd[tactic.ordinal()].add(rs.getBigDecimal(19 + tactic.ordinal()));
    }
    int at = 19 + Tactic.values().length;
    addSparse(inputHist, rs.getString(at), rs.getString(at + 1));
    addSparse(outputHist, rs.getString(at + 2), rs.getString(at + 3));
  }

  /** Adds {@code counts} to the {@code buckets} of {@code hist}, both PostgreSQL array literals. */
  static void addSparse(long[] hist, String buckets, String counts) {
    int b = 1;
    int n = 1;
    while (b < buckets.length() - 1) {
      int bucketEnd = next(buckets, b);
      int countEnd = next(counts, n);
      hist[Integer.parseInt(buckets, b, bucketEnd, 10)] += Long.parseLong(counts, n, countEnd, 10);
      b = bucketEnd + 1;
      n = countEnd + 1;
    }
  }

  /** Where the number starting at {@code from} in an array literal like {@code {1,22}} ends. */
  private static int next(String literal, int from) {
    int end = from;
    while (literal.charAt(end) != ',' && literal.charAt(end) != '}') {
      end++;
    }
    return end;
  }

  /** Tokenwise capped the output below the client's own limit (or set one the client had not). */
  static boolean capLowered(UsageEvent e) {
    Long applied = e.appliedMaxTokens();
    Long asked = e.requestedMaxTokens();
    return applied != null && (asked == null || applied < asked);
  }
}
