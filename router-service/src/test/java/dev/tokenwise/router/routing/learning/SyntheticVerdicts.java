package dev.tokenwise.router.routing.learning;

import dev.tokenwise.router.routing.LinearRouterModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Verdicts on prompts whose truth is planted: along a unit direction {@code g} in an 8-dimensional
 * input, a prompt with z = g·x is harder for the cheap tier (P(cheap good) = 0.65 − 0.25 z) than
 * for the strong one (P(strong good) = 0.8 + 0.05 z), so the strong tier's gain grows along g.
 */
final class SyntheticVerdicts {

  static final int DIMENSIONS = 8;
  static final double[] NO_FEATURES = new double[0];

  final double[] direction;
  private final Random random;

  SyntheticVerdicts(long seed) {
    random = new Random(seed);
    direction = unit(gaussian());
  }

  /**
   * {@code n} verdicts served by {@code router} at a strong share of 1/2 with exploration: feedback
   * verdicts, and a shadow verdict (both outcomes) for {@code shadowRate} of cheap-served prompts.
   */
  List<RoutingVerdict> served(int n, LinearRouterModel router, double shadowRate) {
    Exploration exploration = new Exploration(0.05, 3);
    List<RoutingVerdict> verdicts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] x = input();
      double z = dot(direction, x);
      boolean cheap = random.nextDouble() < clamp(0.65 - 0.25 * z);
      boolean strong = random.nextDouble() < clamp(0.8 + 0.05 * z);
      int pick = router.score(x) >= 0 ? 1 : 0;
      Exploration.Decision d = exploration.decide("r" + i, pick);
      verdicts.add(
          d.tier() == 0 && random.nextDouble() < shadowRate
              ? RoutingVerdict.shadow(
                  x, NO_FEATURES, 0, cheap, strong, i, d.explored(), d.propensity())
              : RoutingVerdict.feedback(
                  x,
                  NO_FEATURES,
                  d.tier(),
                  d.tier() == 0 ? cheap : strong,
                  i,
                  d.explored(),
                  d.propensity()));
    }
    return verdicts;
  }

  /** A model over the bare input (no prompt features) with these weights. */
  static LinearRouterModel model(double[] weights) {
    double[] quantiles = new double[101];
    for (int p = 0; p <= 100; p++) {
      quantiles[p] = (p - 50) / 50.0;
    }
    return new LinearRouterModel(
        LinearRouterModel.FORMAT, "test", "test", 1, 0, 0, weights, quantiles);
  }

  double[] gaussian() {
    double[] v = new double[DIMENSIONS];
    for (int i = 0; i < v.length; i++) {
      v[i] = random.nextGaussian();
    }
    return v;
  }

  private float[] input() {
    float[] x = new float[DIMENSIONS];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
    }
    return x;
  }

  static double[] unit(double[] v) {
    double norm = Math.sqrt(dot(v, v));
    double[] u = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      u[i] = v[i] / norm;
    }
    return u;
  }

  static double cosine(double[] a, double[] b) {
    return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
  }

  static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  static double dot(double[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  private static double clamp(double p) {
    return Math.max(0.02, Math.min(0.98, p));
  }
}
