package dev.tokenwise.cache.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxEmbeddingSourceTests {

  @Test
  void anOnnxModelAndTokenizerByPathEmbedLikeTheBundledModel(@TempDir Path dir) throws Exception {
    // The bundled model's own files, copied out of its jar, stand in for "any model on disk".
    Path model = copy("all-minilm-l6-v2-q.onnx", dir);
    Path tokenizer = copy("all-minilm-l6-v2-q-tokenizer.json", dir);
    EmbeddingSource fromFiles = OnnxEmbeddingSource.fromFiles(model, tokenizer, PoolingMode.MEAN);
    EmbeddingSource bundled = OnnxEmbeddingSource.bundledMiniLm();

    List<String> texts = List.of("How do I reset my password?", "Paris is in France.");
    List<float[]> a = fromFiles.embed(texts);
    List<float[]> b = bundled.embed(texts);

    assertThat(fromFiles.dimension()).isEqualTo(384);
    assertThat(fromFiles.modelId()).isEqualTo("onnx:all-minilm-l6-v2-q.onnx");
    assertThat(dot(a.get(0), b.get(0))).isGreaterThan(0.999);
    assertThat(dot(a.get(0), a.get(0))).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
    assertThat(dot(a.get(0), a.get(1))).isLessThan(0.5);
  }

  private static Path copy(String resource, Path dir) throws Exception {
    Path target = dir.resolve(resource);
    try (InputStream in =
        OnnxEmbeddingSource.class.getClassLoader().getResourceAsStream(resource)) {
      Files.copy(in, target);
    }
    return target;
  }

  private static double dot(float[] x, float[] y) {
    double sum = 0;
    for (int i = 0; i < x.length; i++) {
      sum += x[i] * y[i];
    }
    return sum;
  }
}
