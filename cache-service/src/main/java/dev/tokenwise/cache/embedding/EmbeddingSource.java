package dev.tokenwise.cache.embedding;

import java.util.List;

/**
 * Something that turns texts into unit-length vectors of a fixed dimension. Implementations may
 * block (ONNX inference, an HTTP call); {@link BatchingEmbedder} calls them only from its own
 * bounded worker threads.
 */
public interface EmbeddingSource {

  /** One L2-normalised vector per text, in order. */
  List<float[]> embed(List<String> texts);

  /** The length of every vector. */
  int dimension();

  /**
   * A stable name of the model, stored with each entry: vectors from another model are not
   * comparable, so a change of model starts a fresh index.
   */
  String modelId();

  /**
   * The encoder behind this source when it can also give token vectors (the pair verifier needs
   * them); empty for sources that only return sentence vectors.
   */
  default java.util.Optional<TokenEncoder> tokenEncoder() {
    return java.util.Optional.empty();
  }

  /** Scales {@code vector} to unit length in place and returns it. */
  static float[] normalize(float[] vector) {
    double sum = 0;
    for (float v : vector) {
      sum += v * v;
    }
    if (sum > 0) {
      float scale = (float) (1 / Math.sqrt(sum));
      for (int i = 0; i < vector.length; i++) {
        vector[i] *= scale;
      }
    }
    return vector;
  }
}
