package dev.tokenwise.router.routing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import tools.jackson.databind.json.JsonMapper;

/**
 * A learned difficulty scorer: a linear model over a sentence embedding, predicting how much more
 * likely the strong tier is to answer correctly than the cheap one. It holds only derived numbers
 * (weights and the distribution of its training scores), never a training prompt.
 *
 * @param format file format marker, {@value #FORMAT}
 * @param embedding the embedding the weights expect ({@link SentenceEmbedder#MODEL_ID})
 * @param weights one weight per embedding dimension
 * @param scoreQuantiles the training scores' 0th..100th percentiles, ascending (101 values): the
 *     threshold for a target share s of strong calls is the (1 − s) quantile
 * @param features null: the weights cover the embedding only; {@link PromptFeatures#ID}: the
 *     embedding followed by the prompt's surface features, standardised with {@code featureMeans}
 *     and {@code featureScales} and multiplied by {@link #FEATURE_WEIGHT}
 */
public record LinearRouterModel(
    String format,
    String embedding,
    String target,
    double lambda,
    int trainingRows,
    double bias,
    double[] weights,
    double[] scoreQuantiles,
    String features,
    double[] featureMeans,
    double[] featureScales) {

  public static final String FORMAT = "tokenwise-router-linear/1";

  /**
   * Standardised features enter at a tenth of their size, beside a unit-length embedding: measured
   * by cross-validation on the routing evaluation data (BENCHMARKS.md).
   */
  public static final double FEATURE_WEIGHT = 0.1;

  /** Where the router's shipped model sits on the classpath. */
  public static final String BUNDLED_RESOURCE = "routing/minilm-ridge.json";

  public LinearRouterModel {
    Objects.requireNonNull(weights, "weights");
    if (scoreQuantiles == null || scoreQuantiles.length != 101) {
      throw new IllegalArgumentException("scoreQuantiles must hold 101 percentiles");
    }
  }

  /** A model over the embedding only. */
  public LinearRouterModel(
      String format,
      String embedding,
      String target,
      double lambda,
      int trainingRows,
      double bias,
      double[] weights,
      double[] scoreQuantiles) {
    this(
        format,
        embedding,
        target,
        lambda,
        trainingRows,
        bias,
        weights,
        scoreQuantiles,
        null,
        null,
        null);
  }

  /** The predicted gain of the strong tier for a prompt and its unit-length embedding. */
  public double score(float[] embedding, String prompt) {
    return score(input(embedding, features == null ? null : PromptFeatures.of(prompt)));
  }

  /** The model's input: the embedding, followed by the scaled features when the model has them. */
  public float[] input(float[] embedding, double[] promptFeatures) {
    if (features == null) {
      return embedding;
    }
    return concat(embedding, promptFeatures, featureMeans, featureScales);
  }

  static float[] concat(float[] embedding, double[] f, double[] means, double[] scales) {
    float[] x = Arrays.copyOf(embedding, embedding.length + f.length);
    for (int i = 0; i < f.length; i++) {
      x[embedding.length + i] = (float) (FEATURE_WEIGHT * (f[i] - means[i]) / scales[i]);
    }
    return x;
  }

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
    List<float[]> inputs = new java.util.ArrayList<>(n);
    for (int r = 0; r < n; r++) {
      inputs.add(concat(embeddings.get(r), promptFeatures.get(r), means, scales));
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

  /** The predicted gain of the strong tier for one model input ({@link #input}). */
  public double score(float[] embedding) {
    if (embedding.length != weights.length) {
      throw new IllegalArgumentException(
          "embedding has " + embedding.length + " dimensions, the model " + weights.length);
    }
    double z = bias;
    for (int i = 0; i < weights.length; i++) {
      z += weights[i] * embedding[i];
    }
    return z;
  }

  /** The score above which a request goes strong so that about {@code strongShare} of them do. */
  public double thresholdFor(double strongShare) {
    double q = Math.max(0, Math.min(1, 1 - strongShare)) * 100;
    int low = (int) Math.floor(q);
    int high = Math.min(100, low + 1);
    double frac = q - low;
    return scoreQuantiles[low] * (1 - frac) + scoreQuantiles[high] * frac;
  }

  /** The share of training scores above {@code threshold}: the inverse of {@link #thresholdFor}. */
  public double shareAbove(double threshold) {
    int below = 0;
    for (double q : scoreQuantiles) {
      if (q < threshold) {
        below++;
      }
    }
    return Math.max(0, Math.min(1, 1 - (below - 0.5) / 100.0));
  }

  /** Percentiles 0..100 of {@code scores} (which this sorts). */
  static double[] quantiles(double[] scores) {
    double[] sorted = scores.clone();
    Arrays.sort(sorted);
    double[] q = new double[101];
    for (int p = 0; p <= 100; p++) {
      q[p] = sorted[(int) Math.round(p / 100.0 * (sorted.length - 1))];
    }
    return q;
  }

  public static LinearRouterModel read(InputStream in, JsonMapper json) {
    LinearRouterModel model = json.readValue(in, LinearRouterModel.class);
    if (!FORMAT.equals(model.format())) {
      throw new IllegalArgumentException("not a " + FORMAT + " file: " + model.format());
    }
    if (model.features() != null && !PromptFeatures.ID.equals(model.features())) {
      throw new IllegalArgumentException("unknown feature set " + model.features());
    }
    return model;
  }

  public static LinearRouterModel read(Path path, JsonMapper json) {
    try (InputStream in = Files.newInputStream(path)) {
      return read(in, json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The model shipped with the router, trained offline by {@code RoutingEvaluation --write}. */
  public static LinearRouterModel bundled(JsonMapper json) {
    try (InputStream in =
        LinearRouterModel.class.getClassLoader().getResourceAsStream(BUNDLED_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing classpath resource " + BUNDLED_RESOURCE);
      }
      return read(in, json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void write(Path path, JsonMapper json) {
    json.writerWithDefaultPrettyPrinter().writeValue(path.toFile(), this);
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
            FORMAT, SentenceEmbedder.MODEL_ID, target, lambda, n, bias, w, new double[101]);
    double[] scores = new double[n];
    for (int r = 0; r < n; r++) {
      scores[r] = unscored.score(embeddings.get(r));
    }
    return new LinearRouterModel(
        FORMAT, SentenceEmbedder.MODEL_ID, target, lambda, n, bias, w, quantiles(scores));
  }

  private static double[] solveCholesky(double[][] a, double[] b) {
    int d = b.length;
    double[][] l = new double[d][d];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j <= i; j++) {
        double sum = a[i][j];
        for (int k = 0; k < j; k++) {
          sum -= l[i][k] * l[j][k];
        }
        l[i][j] = i == j ? Math.sqrt(sum) : sum / l[j][j];
      }
    }
    double[] y = new double[d];
    for (int i = 0; i < d; i++) {
      double sum = b[i];
      for (int k = 0; k < i; k++) {
        sum -= l[i][k] * y[k];
      }
      y[i] = sum / l[i][i];
    }
    double[] x = new double[d];
    for (int i = d - 1; i >= 0; i--) {
      double sum = y[i];
      for (int k = i + 1; k < d; k++) {
        sum -= l[k][i] * x[k];
      }
      x[i] = sum / l[i][i];
    }
    return x;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LinearRouterModel m
        && format.equals(m.format)
        && bias == m.bias
        && Arrays.equals(weights, m.weights)
        && Arrays.equals(scoreQuantiles, m.scoreQuantiles)
        && Objects.equals(features, m.features)
        && Arrays.equals(featureMeans, m.featureMeans)
        && Arrays.equals(featureScales, m.featureScales);
  }

  @Override
  public int hashCode() {
    return Objects.hash(format, bias, Arrays.hashCode(weights));
  }

  @Override
  public String toString() {
    return "LinearRouterModel["
        + target
        + ", "
        + weights.length
        + " weights"
        + (features == null ? "" : " (embedding + " + features + ")")
        + ", n="
        + trainingRows
        + "]";
  }
}
