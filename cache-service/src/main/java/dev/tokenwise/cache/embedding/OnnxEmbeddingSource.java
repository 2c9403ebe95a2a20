package dev.tokenwise.cache.embedding;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * In-process embeddings with ONNX Runtime through langchain4j: the bundled all-MiniLM-L6-v2
 * (quantized, 384 dimensions), or any BERT-style ONNX model and its HuggingFace tokenizer by path.
 */
public final class OnnxEmbeddingSource implements EmbeddingSource {

  /**
   * langchain4j fans a list out over this executor one text at a time; running inline keeps the
   * work on the caller, which is already one of {@link BatchingEmbedder}'s bounded threads.
   */
  private static final Executor INLINE = Runnable::run;

  private final EmbeddingModel model;
  private final int dimension;
  private final String modelId;

  private OnnxEmbeddingSource(EmbeddingModel model, String modelId) {
    this.model = model;
    this.modelId = modelId;
    this.dimension = model.embed("dimension probe").content().dimension();
  }

  /**
   * The all-MiniLM-L6-v2 (quantized) model shipped inside its langchain4j jar, loaded once per JVM
   * (an ONNX Runtime session is thread-safe; several application contexts in one test JVM share
   * it).
   */
  public static OnnxEmbeddingSource bundledMiniLm() {
    return BundledHolder.INSTANCE;
  }

  private static final class BundledHolder {
    static final OnnxEmbeddingSource INSTANCE =
        new OnnxEmbeddingSource(
            new AllMiniLmL6V2QuantizedEmbeddingModel(INLINE), "all-minilm-l6-v2-q");
  }

  /** Any ONNX encoder and its {@code tokenizer.json}. */
  public static OnnxEmbeddingSource fromFiles(
      Path modelPath, Path tokenizerPath, PoolingMode pooling) {
    return new OnnxEmbeddingSource(
        new OnnxEmbeddingModel(modelPath, tokenizerPath, pooling, INLINE),
        "onnx:" + modelPath.getFileName());
  }

  @Override
  public List<float[]> embed(List<String> texts) {
    List<TextSegment> segments = new ArrayList<>(texts.size());
    for (String text : texts) {
      segments.add(TextSegment.from(text.isBlank() ? " " : text));
    }
    List<Embedding> embeddings = model.embedAll(segments).content();
    List<float[]> vectors = new ArrayList<>(embeddings.size());
    for (Embedding embedding : embeddings) {
      vectors.add(EmbeddingSource.normalize(embedding.vector()));
    }
    return vectors;
  }

  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public String modelId() {
    return modelId;
  }
}
