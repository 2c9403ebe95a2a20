package dev.tokenwise.router.routing;

import dev.tokenwise.router.routing.learning.VerdictTrainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;

/**
 * Trains a {@link LinearRouterModel} offline (ridge regression, closed form): test code, used by
 * {@code RoutingEvaluation}; the router only reads the trained file.
 */
public final class LinearRouterTraining {

  private LinearRouterTraining() {}

  /**
   * Fits ridge regression on the embeddings followed by the prompts' surface features ({@link
   * PromptFeatures}), standardised over the training rows.
   */
  public static LinearRouterModel fitWithFeatures(
      List<float[]> embeddings,
      List<double[]> promptFeatures,
      double[] targets,
      double lambda,
      String target) {
    int k = promptFeatures.get(0).length;
    int n = promptFeatures.size();
    double[] means = new double[k];
    double[] scales = new double[k];
    for (double[] f : promptFeatures) {
      for (int i = 0; i < k; i++) {
        means[i] += f[i] / n;
      }
    }
    for (double[] f : promptFeatures) {
      for (int i = 0; i < k; i++) {
        scales[i] += (f[i] - means[i]) * (f[i] - means[i]) / n;
      }
    }
    for (int i = 0; i < k; i++) {
      scales[i] = Math.sqrt(scales[i]) + 1e-9;
    }
    List<float[]> inputs = new ArrayList<>(n);
    for (int r = 0; r < n; r++) {
      inputs.add(LinearRouterModel.concat(embeddings.get(r), promptFeatures.get(r), means, scales));
    }
    LinearRouterModel fitted = fit(inputs, targets, lambda, target);
    return new LinearRouterModel(
        fitted.format(),
        fitted.embedding(),
        target,
        lambda,
        n,
        fitted.bias(),
        fitted.weights(),
        fitted.scoreQuantiles(),
        PromptFeatures.ID,
        means,
        scales);
  }

  /** Percentiles 0..100 of {@code scores}. */
  static double[] quantiles(double[] scores) {
    return VerdictTrainer.quantiles(scores);
  }

  /**
   * Writes {@code model} as the router reads it ({@link LinearRouterModel#read(Path, JsonMapper)}).
   */
  public static void write(LinearRouterModel model, Path path, JsonMapper json) {
    json.writerWithDefaultPrettyPrinter().writeValue(path.toFile(), model);
  }

  /**
   * Fits ridge regression of {@code targets} on {@code embeddings} (closed form, Cholesky).
   *
   * @param targets per example, strong correct minus cheap correct (−1, 0 or 1), or any gain
   */
  public static LinearRouterModel fit(
      List<float[]> embeddings, double[] targets, double lambda, String target) {
    int n = embeddings.size();
    int d = embeddings.get(0).length;
    double mean = 0;
    for (double t : targets) {
      mean += t;
    }
    mean /= n;
    double[] centroid = new double[d];
    for (float[] x : embeddings) {
      for (int i = 0; i < d; i++) {
        centroid[i] += x[i] / (double) n;
      }
    }
    double[][] a = new double[d][d];
    double[] b = new double[d];
    double[] xc = new double[d];
    for (int r = 0; r < n; r++) {
      float[] x = embeddings.get(r);
      for (int i = 0; i < d; i++) {
        xc[i] = x[i] - centroid[i];
      }
      double y = targets[r] - mean;
      for (int i = 0; i < d; i++) {
        b[i] += xc[i] * y;
        double xi = xc[i];
        double[] row = a[i];
        for (int j = 0; j <= i; j++) {
          row[j] += xi * xc[j];
        }
      }
    }
    for (int i = 0; i < d; i++) {
      a[i][i] += lambda;
      for (int j = 0; j < i; j++) {
        a[j][i] = a[i][j];
      }
    }
    double[] w = solveCholesky(a, b);
    double bias = mean;
    for (int i = 0; i < d; i++) {
      bias -= w[i] * centroid[i];
    }
    LinearRouterModel unscored =
        new LinearRouterModel(
            LinearRouterModel.FORMAT,
            SentenceEmbedder.MODEL_ID,
            target,
            lambda,
            n,
            bias,
            w,
            new double[101]);
    double[] scores = new double[n];
    for (int r = 0; r < n; r++) {
      scores[r] = unscored.score(embeddings.get(r));
    }
    return new LinearRouterModel(
        LinearRouterModel.FORMAT,
        SentenceEmbedder.MODEL_ID,
        target,
        lambda,
        n,
        bias,
        w,
        quantiles(scores));
  }

  private static double[] solveCholesky(double[][] a, double[] b) {
    return VerdictTrainer.solveLowerSymmetric(a, b);
  }
}
