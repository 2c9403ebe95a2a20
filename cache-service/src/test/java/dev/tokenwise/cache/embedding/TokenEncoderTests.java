package dev.tokenwise.cache.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TokenEncoderTests {

  @Test
  void theBundledMiniLmThroughTheTokenEncoderEmbedsLikeLangchain4j() {
    // Entries stored before the token encoder carry langchain4j's vectors under the same model id.
    EmbeddingSource tokens = BundledModel.MINILM.encoder().asEmbeddingSource();
    EmbeddingSource langchain4j = OnnxEmbeddingSource.bundledMiniLm();
    List<String> texts = List.of("How do I reset my password?", "Paris is in France.");

    List<float[]> a = tokens.embed(texts);
    List<float[]> b = langchain4j.embed(texts);

    assertThat(tokens.modelId()).isEqualTo(langchain4j.modelId());
    assertThat(tokens.dimension()).isEqualTo(384);
    assertThat(dot(a.get(0), b.get(0))).isGreaterThan(0.9999);
    assertThat(dot(a.get(1), b.get(1))).isGreaterThan(0.9999);
  }

  @Test
  void everyWordPieceGetsAUnitVectorAndSpecialTokensAreLeftOut() {
    TokenEncoder.Encoded encoded = BundledModel.MINILM.encoder().encode("What is Redis?");

    assertThat(encoded.tokenIds())
        .containsExactly(BundledModel.MINILM.encoder().wordPieceIds("What is Redis?"));
    assertThat(encoded.tokens().length).isEqualTo(encoded.tokenIds().length);
    for (float[] token : encoded.tokens()) {
      assertThat(dot(token, token)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
    }
  }

  private static double dot(float[] x, float[] y) {
    double sum = 0;
    for (int i = 0; i < x.length; i++) {
      sum += x[i] * y[i];
    }
    return sum;
  }
}
