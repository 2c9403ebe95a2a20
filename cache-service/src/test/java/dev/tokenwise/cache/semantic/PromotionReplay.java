package dev.tokenwise.cache.semantic;

import dev.tokenwise.cache.semantic.SemanticCacheEvaluation.Pair;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Gray-zone promotion simulated on labelled question pairs ({@code VerifierEvaluation
 * --promotion}): evaluation only, never in the service.
 *
 * <p>First the gray zone ({@code grayZoneWidth} below the shipped threshold) and the stricter
 * verifier score ({@code promotionThreshold}) are read off the tuning split, as the pair tables
 * read the threshold: the pair with the most duplicates answered and false answers ≤ 0.8% of the
 * non-duplicates, counting every promoted pair as if its question were asked again (the most
 * promotion could give). Then the pairs are replayed in file order: each pair's {@code b} is looked
 * up against its {@code a}; an alias of {@code b}'s exact text answers first (with the answer of
 * the pair it was promoted from, right when <em>that</em> pair is a duplicate); else a cosine ≥ the
 * threshold that passes the guards is a hit; else a gray-zone pair that passes the guards is
 * checked at once (the background check is done before the next request) and, confirmed, becomes an
 * alias of {@code b}'s text. Reported on the held-out pairs, with and without promotion.
 */
final class PromotionReplay {

  private static final double TUNING_BUDGET = 0.008;

  private PromotionReplay() {}

  static void run(List<Pair> pairs, double[] cosine, double[] verifier, boolean[] pass) {
    double threshold = SemanticPolicy.BUILT_IN.threshold();
    recurrence(pairs);

    double[] none = upperBound(pairs, cosine, verifier, pass, threshold, 0, 1, false);
    System.out.printf(
        Locale.ROOT,
        "%nNo promotion, threshold %.3f: tuning %.2f%% / %.2f%%%n",
        threshold,
        100 * none[0],
        100 * none[1]);
    System.out.println(
        "| gray-zone width | promotion threshold | gray-zone pairs (tuning) | promoted (tuning):"
            + " duplicates / not | tuning hits / false, every promoted pair asked again |");
    System.out.println("|---|---|---|---|---|");
    for (int w : new int[] {10, 20, 30, 50}) {
      double width = w / 1000.0;
      for (int t = 930; t <= 990; t += 10) {
        double promotion = t / 1000.0;
        double[] tuned =
            upperBound(pairs, cosine, verifier, pass, threshold, width, promotion, false);
        System.out.printf(
            Locale.ROOT,
            "| %.3f | %.3f | %d | %d / %d | %.2f%% / %.2f%% |%n",
            width,
            promotion,
            (long) tuned[2],
            (long) tuned[3],
            (long) tuned[4],
            100 * tuned[0],
            100 * tuned[1]);
      }
    }
    List<double[]> chosen = new java.util.ArrayList<>();
    for (double budget : new double[] {TUNING_BUDGET, 0.01}) {
      double bestWidth = 0;
      double bestPromotion = 1;
      double[] best = none;
      for (int w = 5; w <= 60; w += 5) {
        for (int t = 900; t <= 1000; t += 5) {
          double[] tuned =
              upperBound(pairs, cosine, verifier, pass, threshold, w / 1000.0, t / 1000.0, false);
          if (tuned[1] <= budget && tuned[0] > best[0]) {
            best = tuned;
            bestWidth = w / 1000.0;
            bestPromotion = t / 1000.0;
          }
        }
      }
      double[] held =
          upperBound(pairs, cosine, verifier, pass, threshold, bestWidth, bestPromotion, true);
      double[] heldNone = upperBound(pairs, cosine, verifier, pass, threshold, 0, 1, true);
      System.out.printf(
          Locale.ROOT,
          "Tuning budget %.1f%%: width %.3f, promotion threshold %.3f (tuning %.2f%% / %.2f%%);"
              + " held out, every promoted pair asked again: %.2f%% / %.2f%% (without promotion"
              + " %.2f%% / %.2f%%); promoted held-out pairs: %d duplicates, %d not%n",
          100 * budget,
          bestWidth,
          bestPromotion,
          100 * best[0],
          100 * best[1],
          100 * held[0],
          100 * held[1],
          100 * heldNone[0],
          100 * heldNone[1],
          (long) held[3],
          (long) held[4]);
      chosen.add(new double[] {bestWidth, bestPromotion});
    }

    System.out.println();
    System.out.println(
        "File-order replay, held-out lookups | duplicates answered rightly | wrong answers (% of"
            + " non-duplicates) | alias hits (right / wrong) | aliases made (all pairs)");
    replay(pairs, cosine, verifier, pass, threshold, 0, 1);
    for (double[] choice : chosen) {
      replay(pairs, cosine, verifier, pass, threshold, choice[0], choice[1]);
    }
    // A lax setting too, to show what aliases can and cannot add on this data.
    replay(pairs, cosine, verifier, pass, threshold, 0.05, 0.93);
  }

  /** How often a question recurs in file order. */
  private static void recurrence(List<Pair> pairs) {
    Set<String> seenAny = new HashSet<>();
    Set<String> seenB = new HashSet<>();
    int bRepeatsAny = 0;
    int bRepeatsB = 0;
    int heldOutBRepeatsB = 0;
    for (Pair pair : pairs) {
      if (seenAny.contains(pair.b())) {
        bRepeatsAny++;
      }
      if (seenB.contains(pair.b())) {
        bRepeatsB++;
        heldOutBRepeatsB += pair.heldOut() ? 1 : 0;
      }
      seenAny.add(pair.a());
      seenAny.add(pair.b());
      seenB.add(pair.b());
    }
    System.out.printf(
        Locale.ROOT,
        "Recurrence in file order: %d of %d b's repeat an earlier question (a or b), %d an earlier"
            + " b (%d of them held out)%n",
        bRepeatsAny,
        pairs.size(),
        bRepeatsB,
        heldOutBRepeatsB);
  }

  /**
   * {duplicate share answered, false share, gray-zone pairs, promoted duplicates, promoted
   * non-duplicates} on one split, counting a promoted pair as answered.
   */
  private static double[] upperBound(
      List<Pair> pairs,
      double[] cosine,
      double[] verifier,
      boolean[] pass,
      double threshold,
      double width,
      double promotion,
      boolean heldOut) {
    int duplicates = 0;
    int others = 0;
    int hits = 0;
    int falseHits = 0;
    int gray = 0;
    int promotedDuplicates = 0;
    int promotedOthers = 0;
    for (int i = 0; i < pairs.size(); i++) {
      Pair pair = pairs.get(i);
      if (pair.heldOut() != heldOut) {
        continue;
      }
      boolean duplicate = pair.duplicate();
      duplicates += duplicate ? 1 : 0;
      others += duplicate ? 0 : 1;
      if (!pass[i]) {
        continue;
      }
      GrayZone.Band band = new GrayZone(threshold, width).band(cosine[i]);
      boolean answered = band == GrayZone.Band.ACCEPT;
      if (band == GrayZone.Band.GRAY) {
        gray++;
        if (verifier[i] >= promotion) {
          answered = true;
          promotedDuplicates += duplicate ? 1 : 0;
          promotedOthers += duplicate ? 0 : 1;
        }
      }
      if (answered) {
        hits += duplicate ? 1 : 0;
        falseHits += duplicate ? 0 : 1;
      }
    }
    return new double[] {
      (double) hits / duplicates,
      (double) falseHits / others,
      gray,
      promotedDuplicates,
      promotedOthers
    };
  }

  private static void replay(
      List<Pair> pairs,
      double[] cosine,
      double[] verifier,
      boolean[] pass,
      double threshold,
      double width,
      double promotion) {
    GrayZone zone = new GrayZone(threshold, width);
    Map<String, Integer> aliases = new HashMap<>();
    int duplicates = 0;
    int others = 0;
    int right = 0;
    int wrong = 0;
    int aliasRight = 0;
    int aliasWrong = 0;
    for (int i = 0; i < pairs.size(); i++) {
      Pair pair = pairs.get(i);
      Integer alias = aliases.get(pair.b());
      Boolean answeredRightly = null;
      boolean viaAlias = false;
      if (alias != null) {
        answeredRightly = pairs.get(alias).duplicate();
        viaAlias = true;
      } else if (pass[i]) {
        GrayZone.Band band = zone.band(cosine[i]);
        if (band == GrayZone.Band.ACCEPT) {
          answeredRightly = pair.duplicate();
        } else if (band == GrayZone.Band.GRAY && verifier[i] >= promotion) {
          aliases.put(pair.b(), i);
        }
      }
      if (!pair.heldOut()) {
        continue;
      }
      duplicates += pair.duplicate() ? 1 : 0;
      others += pair.duplicate() ? 0 : 1;
      if (answeredRightly == null) {
        continue;
      }
      if (answeredRightly) {
        right++;
        aliasRight += viaAlias ? 1 : 0;
      } else {
        wrong++;
        aliasWrong += viaAlias ? 1 : 0;
      }
    }
    System.out.printf(
        Locale.ROOT,
        "| %s | %.2f%% (%d) | %.2f%% (%d) | %d / %d | %d |%n",
        width == 0
            ? "no promotion"
            : String.format(Locale.ROOT, "width %.3f, promotion %.3f", width, promotion),
        100.0 * right / duplicates,
        right,
        100.0 * wrong / others,
        wrong,
        aliasRight,
        aliasWrong,
        aliases.size());
  }
}
