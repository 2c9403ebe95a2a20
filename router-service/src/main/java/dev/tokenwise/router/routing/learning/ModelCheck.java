package dev.tokenwise.router.routing.learning;

import dev.tokenwise.router.routing.LinearRouterModel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Decides whether a retrained model replaces the current one, on verdicts neither was trained on:
 * the most recent share of them, held back from training ({@link #split}).
 *
 * <p>When enough held-back verdicts know both tiers' outcomes (shadow evaluations), the metric is
 * APGR over them, as in the routing evaluation: the area under the share of the cheap-to-strong
 * quality gap recovered as the share of strong calls goes from 0 to 1. Otherwise it is {@link
 * #servedAuc}: how well the score orders the verdicts that know one outcome. A candidate is
 * published only when there are enough held-back verdicts and it beats the current model by the
 * margin.
 */
public final class ModelCheck {

  public static final String APGR = "apgr";
  public static final String SERVED_AUC = "served-auc";

  /**
   * @param heldOutShare the most recent share of verdicts held back from training, in (0, 1)
   * @param minHeldOut no decision to publish on fewer held-back verdicts than this
   * @param minBothKnown held-back verdicts knowing both outcomes needed to judge by APGR
   * @param margin the candidate's metric must exceed the current model's by at least this
   */
  public record Settings(double heldOutShare, int minHeldOut, int minBothKnown, double margin) {

    public Settings {
      if (!(heldOutShare > 0 && heldOutShare < 1)) {
        throw new IllegalArgumentException("heldOutShare must be in (0, 1)");
      }
    }

    public static Settings defaults() {
      return new Settings(0.2, 100, 100, 0.005);
    }
  }

  /** Verdicts split by time: training the older ones, heldOut the most recent. */
  public record Split(List<RoutingVerdict> training, List<RoutingVerdict> heldOut) {}

  /**
   * The outcome of a check.
   *
   * @param metric {@link #APGR} or {@link #SERVED_AUC}
   * @param heldOut the number of held-back verdicts the metric was computed on
   * @param reason one sentence a person can read in the admin API or a log
   */
  public record Decision(
      boolean publish,
      String metric,
      double current,
      double candidate,
      int heldOut,
      String reason) {}

  private final Settings settings;

  public ModelCheck(Settings settings) {
    this.settings = settings;
  }

  public ModelCheck() {
    this(Settings.defaults());
  }

  /** Orders the verdicts by time and holds back the most recent {@code heldOutShare}. */
  public Split split(List<RoutingVerdict> verdicts) {
    List<RoutingVerdict> sorted = new ArrayList<>(verdicts);
    sorted.sort(Comparator.comparingLong(RoutingVerdict::at));
    int cut = (int) Math.round(sorted.size() * (1 - settings.heldOutShare()));
    return new Split(
        List.copyOf(sorted.subList(0, cut)), List.copyOf(sorted.subList(cut, sorted.size())));
  }

  /** Whether {@code candidate} should replace {@code current}, judged on {@code heldOut}. */
  public Decision decide(
      LinearRouterModel current, LinearRouterModel candidate, List<RoutingVerdict> heldOut) {
    List<RoutingVerdict> both = heldOut.stream().filter(RoutingVerdict::knowsBoth).toList();
    String metric;
    double now;
    double next;
    int n;
    if (both.size() >= settings.minBothKnown()
        && !Double.isNaN(apgr(current, both))
        && !Double.isNaN(apgr(candidate, both))) {
      metric = APGR;
      now = apgr(current, both);
      next = apgr(candidate, both);
      n = both.size();
    } else {
      metric = SERVED_AUC;
      now = servedAuc(current, heldOut);
      next = servedAuc(candidate, heldOut);
      n = heldOut.size();
    }
    if (heldOut.size() < settings.minHeldOut()) {
      return new Decision(
          false,
          metric,
          now,
          next,
          n,
          "only " + heldOut.size() + " held-back verdicts, " + settings.minHeldOut() + " needed");
    }
    if (Double.isNaN(now) || Double.isNaN(next)) {
      return new Decision(
          false, metric, now, next, n, "the held-back verdicts cannot tell the models apart");
    }
    boolean better = next >= now + settings.margin();
    return new Decision(
        better,
        metric,
        now,
        next,
        n,
        better
            ? "candidate beats the current model by at least " + settings.margin()
            : "candidate does not beat the current model by " + settings.margin());
  }

  /**
   * APGR of {@code model} over the verdicts that know both outcomes (the others are ignored); NaN
   * when the strong tier is not better on them. Ties in score are broken in a fixed random order,
   * so a constant model scores about 0.5.
   */
  public static double apgr(LinearRouterModel model, List<RoutingVerdict> verdicts) {
    List<RoutingVerdict> both = verdicts.stream().filter(RoutingVerdict::knowsBoth).toList();
    int n = both.size();
    double cheap = 0;
    double strong = 0;
    double[] scores = new double[n];
    double[] gains = new double[n];
    for (int i = 0; i < n; i++) {
      RoutingVerdict v = both.get(i);
      cheap += v.cheapGood() ? 1 : 0;
      strong += v.strongGood() ? 1 : 0;
      gains[i] = (v.strongGood() ? 1 : 0) - (v.cheapGood() ? 1 : 0);
      scores[i] = model.score(model.input(v.embedding(), v.features()));
    }
    double gap = strong - cheap;
    if (n == 0 || gap <= 0) {
      return Double.NaN;
    }
    Integer[] order = byScoreDescending(scores);
    double recovered = 0;
    double previous = 0;
    double area = 0;
    for (int rank = 0; rank < n; rank++) {
      recovered += gains[order[rank]];
      double pgr = recovered / gap;
      area += (previous + pgr) / 2;
      previous = pgr;
    }
    return area / n;
  }

  /**
   * The probability that the score ranks a verdict whose served outcome argues for the strong tier
   * above one that argues against it, among verdicts served by the same tier: on the cheap tier a
   * bad answer argues for strong, on the strong tier a good one does. Each verdict counts
   * 1/propensity times, so the few explored verdicts stand for the requests the model did not send
   * that way; NaN when no such pair exists.
   */
  public static double servedAuc(LinearRouterModel model, List<RoutingVerdict> verdicts) {
    double concordant = 0;
    double pairs = 0;
    for (int tier = 0; tier <= 1; tier++) {
      List<double[]> forStrong = new ArrayList<>();
      List<double[]> against = new ArrayList<>();
      for (RoutingVerdict v : verdicts) {
        if (v.servedTier() != tier) {
          continue;
        }
        double[] scored = {
          model.score(model.input(v.embedding(), v.features())), 1 / v.propensity()
        };
        boolean argues = tier == 0 ? !v.servedGood() : v.servedGood();
        (argues ? forStrong : against).add(scored);
      }
      for (double[] p : forStrong) {
        for (double[] q : against) {
          double w = p[1] * q[1];
          pairs += w;
          concordant += w * (p[0] > q[0] ? 1 : p[0] == q[0] ? 0.5 : 0);
        }
      }
    }
    return pairs == 0 ? Double.NaN : concordant / pairs;
  }

  private static Integer[] byScoreDescending(double[] scores) {
    int n = scores.length;
    double[] jitter = new Random(n).doubles(n).toArray();
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(
        order,
        Comparator.<Integer>comparingDouble(i -> -scores[i]).thenComparingDouble(i -> jitter[i]));
    return order;
  }
}
