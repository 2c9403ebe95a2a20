package dev.tokenwise.router.routing;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * all-MiniLM-L6-v2 (quantized, 384 dimensions) sentence embeddings, in process through ONNX
 * Runtime. The model is loaded once per JVM, on first use; its session is thread-safe.
 */
public final class SentenceEmbedder {

  /** Work stays on the caller's thread (a bounded scheduler in the router, main in the tools). */
  private static final Executor INLINE = Runnable::run;

  /** Identifies the embedding a trained model expects. */
  public static final String MODEL_ID = "all-minilm-l6-v2-q";

  private final EmbeddingModel model;

  private SentenceEmbedder(EmbeddingModel model) {
    this.model = model;
  }

  /** The shared instance; loading the ONNX model takes about a second the first time. */
  public static SentenceEmbedder shared() {
    return Holder.INSTANCE;
  }

  private static final class Holder {
    static final SentenceEmbedder INSTANCE =
        new SentenceEmbedder(new AllMiniLmL6V2QuantizedEmbeddingModel(INLINE));
  }

  /** The unit-length embedding of one text. */
  public float[] embed(String text) {
    return normalize(model.embed(text.isBlank() ? " " : text).content().vector());
  }

  /** Unit-length embeddings of several texts, in order. */
  public List<float[]> embedAll(List<String> texts) {
    List<TextSegment> segments = new ArrayList<>(texts.size());
    for (String text : texts) {
      segments.add(TextSegment.from(text.isBlank() ? " " : text));
    }
    List<float[]> vectors = new ArrayList<>(texts.size());
    for (Embedding embedding : model.embedAll(segments).content()) {
      vectors.add(normalize(embedding.vector()));
    }
    return vectors;
  }

  static float[] normalize(float[] vector) {
    double norm = 0;
    for (float v : vector) {
      norm += v * v;
    }
    norm = Math.sqrt(norm);
    if (norm == 0) {
      return vector;
    }
    float[] unit = new float[vector.length];
    for (int i = 0; i < vector.length; i++) {
      unit[i] = (float) (vector[i] / norm);
    }
    return unit;
  }
}
