package dev.tokenwise.router.routing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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

  /**
   * The model shipped with the router, trained offline by {@code RoutingEvaluation --write} (test
   * code, with the training in {@code LinearRouterTraining}).
   */
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
