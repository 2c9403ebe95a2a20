package dev.tokenwise.router.routing.learning;

import dev.tokenwise.router.routing.LinearRouterModel;
import java.util.Arrays;
import java.util.List;

/**
 * Fits a new {@link LinearRouterModel} from routing verdicts, with a warm-start model as its prior.
 *
 * <p>Two linear heads predict whether each tier answers well: the cheap head learns from every
 * verdict that knows the cheap outcome, the strong head from every verdict that knows the strong
 * one. So a feedback verdict, which knows only the served tier, teaches only that tier's head, and
 * nothing is assumed about the tier that did not answer. The heads share a common part {@code u}
 * (how easy the prompt is for any model, which both kinds of outcome inform) and differ by the gain
 * direction {@code v}: cheap = u − v/2, strong = u + v/2. The model written out is the strong head
 * minus the cheap head, {@code v}: the strong tier's predicted gain, in the same input space and
 * file format as the warm-start model, so {@code TierChooser} uses it unchanged.
 *
 * <p>The warm start is a Gaussian prior: {@code v} is pulled towards the warm-start weights with
 * strength {@code priorStrength}, {@code u} towards 0 with {@code ridge}. The prior's strength is
 * fixed while the data term grows with every verdict, so with a handful of verdicts the result is
 * the warm-start model and with thousands it is what the verdicts say (the prior's weight relative
 * to the data falls as 1/n). The features are standardised over the verdicts, and the prior's
 * feature weights rescaled so they describe the same function of the raw features as the warm
 * start's.
 *
 * <p>The score percentiles (the thresholds for a strong share) are computed over the verdicts'
 * inputs: the traffic the router actually sees.
 */
public final class VerdictTrainer {

  /**
   * @param priorStrength precision of the prior centring the gain direction on the warm start
   * @param ridge precision of the prior centring the shared part on 0
   * @param maxPropensityWeight a served outcome counts 1/propensity times (inverse-propensity
   *     weighting: explored requests stand for the requests the model would not have sent that
   *     way), capped at this; 1 turns the weighting off
   */
  public record Settings(double priorStrength, double ridge, double maxPropensityWeight) {

    public Settings {
      if (!(priorStrength > 0 && ridge > 0 && maxPropensityWeight >= 1)) {
        throw new IllegalArgumentException(
            "priors must be positive and maxPropensityWeight at least 1");
      }
    }

    /** The settings measured in BENCHMARKS.md ("self-training from verdicts"). */
    public static Settings defaults() {
      return new Settings(10, 10, 5);
    }
  }

  public static final String TARGET = "strong-minus-cheap-good (verdicts, two heads)";

  private final Settings settings;

  public VerdictTrainer(Settings settings) {
    this.settings = settings;
  }

  public VerdictTrainer() {
    this(Settings.defaults());
  }

  public Settings settings() {
    return settings;
  }

  /**
   * A model fitted to {@code verdicts} with {@code warmStart} as its prior; {@code warmStart}
   * itself when there are none. Pass every verdict kept and the same warm start (the shipped model)
   * each time, not the last model trained: that model already holds the older verdicts, and the
   * prior would count them again.
   */
  public LinearRouterModel train(List<RoutingVerdict> verdicts, LinearRouterModel warmStart) {
    if (verdicts.isEmpty()) {
      return warmStart;
    }
    int d = warmStart.weights().length;
    Scaling scaling = Scaling.of(verdicts, warmStart);
    float[][] inputs = new float[verdicts.size()][];
    Head cheap = new Head(d);
    Head strong = new Head(d);
    for (int r = 0; r < inputs.length; r++) {
      RoutingVerdict v = verdicts.get(r);
      float[] x = scaling.input(v);
      if (x.length != d) {
        throw new IllegalArgumentException(
            "verdict input has " + x.length + " dimensions, the warm-start model " + d);
      }
      inputs[r] = x;
      double served = Math.min(settings.maxPropensityWeight(), 1 / v.propensity());
      if (v.cheapGood() != null) {
        cheap.add(x, v.cheapGood() ? 1 : 0, v.servedTier() == 0 ? served : 1);
      }
      if (v.strongGood() != null) {
        strong.add(x, v.strongGood() ? 1 : 0, v.servedTier() == 1 ? served : 1);
      }
    }
    double[][] sc = cheap.scatter();
    double[][] ss = strong.scatter();
    double[] rc = cheap.cross();
    double[] rs = strong.cross();
    double[] w0 = scaling.prior(warmStart);
    int m = 2 * d;
    double[][] a = new double[m][m];
    double[] b = new double[m];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j <= i; j++) {
        a[i][j] = sc[i][j] + ss[i][j];
        a[d + i][j] = (ss[i][j] - sc[i][j]) / 2;
        a[d + j][i] = (ss[i][j] - sc[i][j]) / 2;
        a[d + i][d + j] = (sc[i][j] + ss[i][j]) / 4;
      }
      a[i][i] += settings.ridge();
      a[d + i][d + i] += settings.priorStrength();
      b[i] = rc[i] + rs[i];
      b[d + i] = (rs[i] - rc[i]) / 2 + settings.priorStrength() * w0[i];
    }
    double[] theta = solveLowerSymmetric(a, b);
    double[] gain = Arrays.copyOfRange(theta, d, m);
    double bias = warmStart.bias();
    if (cheap.weight > 0 && strong.weight > 0) {
      double[] wc = new double[d];
      double[] ws = new double[d];
      for (int i = 0; i < d; i++) {
        wc[i] = theta[i] - gain[i] / 2;
        ws[i] = theta[i] + gain[i] / 2;
      }
      bias = strong.intercept(ws) - cheap.intercept(wc);
    }
    double[] scores = new double[inputs.length];
    for (int r = 0; r < inputs.length; r++) {
      double z = bias;
      for (int i = 0; i < d; i++) {
        z += gain[i] * inputs[r][i];
      }
      scores[r] = z;
    }
    return new LinearRouterModel(
        LinearRouterModel.FORMAT,
        warmStart.embedding(),
        TARGET,
        settings.priorStrength(),
        verdicts.size(),
        bias,
        gain,
        quantiles(scores),
        warmStart.features(),
        scaling.means,
        scaling.scales);
  }

  /**
   * The features standardised over the verdicts (the traffic the router sees), not over whatever
   * the warm start was trained on: a feature that did not vary in a small training set would get a
   * near-zero scale and blow up on the traffic. The prior's feature weights are rescaled so they
   * describe the same function of the raw features.
   */
  private record Scaling(int embedding, double[] means, double[] scales) {

    static Scaling of(List<RoutingVerdict> verdicts, LinearRouterModel warmStart) {
      int k = warmStart.features() == null ? 0 : warmStart.featureMeans().length;
      int embedding = warmStart.weights().length - k;
      if (k == 0) {
        return new Scaling(embedding, null, null);
      }
      int n = verdicts.size();
      double[] means = new double[k];
      double[] scales = new double[k];
      for (RoutingVerdict v : verdicts) {
        for (int i = 0; i < k; i++) {
          means[i] += v.features()[i] / n;
        }
      }
      for (RoutingVerdict v : verdicts) {
        for (int i = 0; i < k; i++) {
          double c = v.features()[i] - means[i];
          scales[i] += c * c / n;
        }
      }
      for (int i = 0; i < k; i++) {
        double sd = Math.sqrt(scales[i]);
        scales[i] = sd > MIN_SCALE ? sd : 1;
      }
      return new Scaling(embedding, means, scales);
    }

    float[] input(RoutingVerdict v) {
      if (means == null) {
        return v.embedding();
      }
      float[] x = Arrays.copyOf(v.embedding(), v.embedding().length + means.length);
      for (int i = 0; i < means.length; i++) {
        x[v.embedding().length + i] =
            (float) (LinearRouterModel.FEATURE_WEIGHT * (v.features()[i] - means[i]) / scales[i]);
      }
      return x;
    }

    /** The warm start's weights on inputs scaled this way (its bias does not matter here). */
    double[] prior(LinearRouterModel warmStart) {
      double[] w = warmStart.weights().clone();
      if (means != null) {
        for (int i = 0; i < means.length; i++) {
          double old = warmStart.featureScales()[i];
          w[embedding + i] = old > MIN_SCALE ? w[embedding + i] * scales[i] / old : 0;
        }
      }
      return w;
    }
  }

  /** Below this a feature's spread is treated as none (it was constant where it was measured). */
  private static final double MIN_SCALE = 1e-6;

  /** Weighted sums over one head's rows, centred on their weighted mean when read. */
  private static final class Head {
    final double[][] xx;
    final double[] x;
    final double[] xy;
    double weight;
    double y;

    Head(int d) {
      xx = new double[d][];
      for (int i = 0; i < d; i++) {
        xx[i] = new double[i + 1];
      }
      x = new double[d];
      xy = new double[d];
    }

    void add(float[] input, double outcome, double w) {
      weight += w;
      y += w * outcome;
      for (int i = 0; i < input.length; i++) {
        double wxi = w * input[i];
        x[i] += wxi;
        xy[i] += wxi * outcome;
        double[] row = xx[i];
        for (int j = 0; j <= i; j++) {
          row[j] += wxi * input[j];
        }
      }
    }

    /** The centred scatter matrix, lower triangle filled. */
    double[][] scatter() {
      int d = x.length;
      double[][] s = new double[d][d];
      for (int i = 0; i < d; i++) {
        for (int j = 0; j <= i; j++) {
          s[i][j] = weight == 0 ? 0 : xx[i][j] - x[i] * x[j] / weight;
        }
      }
      return s;
    }

    double[] cross() {
      double[] r = new double[x.length];
      for (int i = 0; i < r.length; i++) {
        r[i] = weight == 0 ? 0 : xy[i] - x[i] * y / weight;
      }
      return r;
    }

    double intercept(double[] w) {
      double b = y / weight;
      for (int i = 0; i < w.length; i++) {
        b -= w[i] * x[i] / weight;
      }
      return b;
    }
  }

  /** Solves a x = b for symmetric positive definite a given by its lower triangle (Cholesky). */
  public static double[] solveLowerSymmetric(double[][] a, double[] b) {
    int n = b.length;
    double[][] l = new double[n][];
    for (int i = 0; i < n; i++) {
      l[i] = new double[i + 1];
      double[] li = l[i];
      for (int j = 0; j <= i; j++) {
        double[] lj = l[j];
        double sum = a[i][j];
        for (int k = 0; k < j; k++) {
          sum -= li[k] * lj[k];
        }
        li[j] = i == j ? Math.sqrt(sum) : sum / lj[j];
      }
    }
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      double sum = b[i];
      for (int k = 0; k < i; k++) {
        sum -= l[i][k] * y[k];
      }
      y[i] = sum / l[i][i];
    }
    double[] x = new double[n];
    for (int i = n - 1; i >= 0; i--) {
      double sum = y[i];
      for (int k = i + 1; k < n; k++) {
        sum -= l[k][i] * x[k];
      }
      x[i] = sum / l[i][i];
    }
    return x;
  }

  /** Percentiles 0..100 of {@code scores}, as {@link LinearRouterModel#scoreQuantiles()} holds. */
  public static double[] quantiles(double[] scores) {
    double[] sorted = scores.clone();
    Arrays.sort(sorted);
    double[] q = new double[101];
    for (int p = 0; p <= 100; p++) {
      q[p] = sorted[(int) Math.round(p / 100.0 * (sorted.length - 1))];
    }
    return q;
  }
}
