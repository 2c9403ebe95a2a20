package dev.tokenwise.router.tools;

import java.util.Random;

/**
 * A one-hidden-layer network (ReLU) with two logistic outputs — the probability that the cheap and
 * that the strong model answer correctly — trained full-batch with Adam and L2 weight decay. Its
 * score is P(strong correct) − P(cheap correct). Used by {@link RoutingEvaluation} only.
 */
final class TwoHeadMlp {

  private final int inputs;
  private final int hidden;
  private final double[][] w1;
  private final double[] b1;
  private final double[][] w2;
  private final double[] b2 = new double[2];

  private TwoHeadMlp(int inputs, int hidden, long seed) {
    this.inputs = inputs;
    this.hidden = hidden;
    Random random = new Random(seed);
    w1 = new double[inputs][hidden];
    for (double[] row : w1) {
      for (int j = 0; j < hidden; j++) {
        row[j] = random.nextGaussian() / Math.sqrt(inputs);
      }
    }
    b1 = new double[hidden];
    w2 = new double[hidden][2];
    for (double[] row : w2) {
      for (int j = 0; j < 2; j++) {
        row[j] = random.nextGaussian() / Math.sqrt(hidden);
      }
    }
  }

  /**
   * @param x inputs, one row per example
   * @param y targets per example: {cheap correct, strong correct} as 0 or 1, NaN when unknown
   */
  static TwoHeadMlp fit(
      float[][] x, double[][] y, int hidden, int epochs, double rate, double decay, long seed) {
    TwoHeadMlp net = new TwoHeadMlp(x[0].length, hidden, seed);
    net.train(x, y, epochs, rate, decay);
    return net;
  }

  double score(float[] x) {
    double[] h = new double[hidden];
    double[] p = forward(x, h);
    return p[1] - p[0];
  }

  private double[] forward(float[] x, double[] h) {
    System.arraycopy(b1, 0, h, 0, hidden);
    for (int i = 0; i < inputs; i++) {
      double xi = x[i];
      double[] row = w1[i];
      for (int j = 0; j < hidden; j++) {
        h[j] += xi * row[j];
      }
    }
    for (int j = 0; j < hidden; j++) {
      h[j] = Math.max(0, h[j]);
    }
    double[] p = new double[2];
    for (int o = 0; o < 2; o++) {
      double z = b2[o];
      for (int j = 0; j < hidden; j++) {
        z += h[j] * w2[j][o];
      }
      p[o] = 1 / (1 + Math.exp(-z));
    }
    return p;
  }

  private void train(float[][] x, double[][] y, int epochs, double rate, double decay) {
    int n = x.length;
    Adam gw1 = new Adam(inputs * hidden);
    Adam gb1 = new Adam(hidden);
    Adam gw2 = new Adam(hidden * 2);
    Adam gb2 = new Adam(2);
    double[] h = new double[hidden];
    for (int t = 1; t <= epochs; t++) {
      double[] dw1 = new double[inputs * hidden];
      double[] db1 = new double[hidden];
      double[] dw2 = new double[hidden * 2];
      double[] db2 = new double[2];
      double[] dh = new double[hidden];
      for (int r = 0; r < n; r++) {
        double[] p = forward(x[r], h);
        // An unknown outcome (NaN: a verdict that knows only the other tier's) teaches nothing.
        double d0 = Double.isNaN(y[r][0]) ? 0 : (p[0] - y[r][0]) / n;
        double d1 = Double.isNaN(y[r][1]) ? 0 : (p[1] - y[r][1]) / n;
        db2[0] += d0;
        db2[1] += d1;
        for (int j = 0; j < hidden; j++) {
          dw2[j * 2] += h[j] * d0;
          dw2[j * 2 + 1] += h[j] * d1;
          dh[j] = h[j] > 0 ? d0 * w2[j][0] + d1 * w2[j][1] : 0;
          db1[j] += dh[j];
        }
        float[] xr = x[r];
        for (int i = 0; i < inputs; i++) {
          double xi = xr[i];
          if (xi == 0) {
            continue;
          }
          int base = i * hidden;
          for (int j = 0; j < hidden; j++) {
            dw1[base + j] += xi * dh[j];
          }
        }
      }
      for (int i = 0; i < inputs; i++) {
        for (int j = 0; j < hidden; j++) {
          dw1[i * hidden + j] += decay * w1[i][j];
        }
      }
      for (int j = 0; j < hidden; j++) {
        dw2[j * 2] += decay * w2[j][0];
        dw2[j * 2 + 1] += decay * w2[j][1];
      }
      double[] s1 = gw1.step(dw1, rate, t);
      for (int i = 0; i < inputs; i++) {
        for (int j = 0; j < hidden; j++) {
          w1[i][j] -= s1[i * hidden + j];
        }
      }
      double[] sb1 = gb1.step(db1, rate, t);
      for (int j = 0; j < hidden; j++) {
        b1[j] -= sb1[j];
      }
      double[] s2 = gw2.step(dw2, rate, t);
      for (int j = 0; j < hidden; j++) {
        w2[j][0] -= s2[j * 2];
        w2[j][1] -= s2[j * 2 + 1];
      }
      double[] sb2 = gb2.step(db2, rate, t);
      b2[0] -= sb2[0];
      b2[1] -= sb2[1];
    }
  }

  /** Adam's moment estimates for one parameter block (Kingma and Ba, 2015). */
  private static final class Adam {
    private final double[] m;
    private final double[] v;

    Adam(int size) {
      m = new double[size];
      v = new double[size];
    }

    double[] step(double[] gradient, double rate, int t) {
      double[] update = new double[gradient.length];
      double c1 = 1 - Math.pow(0.9, t);
      double c2 = 1 - Math.pow(0.999, t);
      for (int i = 0; i < gradient.length; i++) {
        m[i] = 0.9 * m[i] + 0.1 * gradient[i];
        v[i] = 0.999 * v[i] + 0.001 * gradient[i] * gradient[i];
        update[i] = rate * (m[i] / c1) / (Math.sqrt(v[i] / c2) + 1e-8);
      }
      return update;
    }
  }
}
