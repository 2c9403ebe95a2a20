package dev.tokenwise.cost.quality;

import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.tokenwise.common.quality.FinalAnswers;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The configured {@link ShadowJudge} ({@code tokenwise.cost.quality.shadow.judge}). */
@Configuration(proxyBeanMethods = false)
class ShadowJudges {

  @Bean
  ShadowJudge shadowJudge(ShadowProperties properties) {
    return switch (properties.judge().toLowerCase(Locale.ROOT)) {
      case "final-answer" -> new FinalAnswerMatch(new EmbeddingSimilarity());
      case "embedding" -> new EmbeddingSimilarity();
      case "lexical" -> new LexicalOverlap();
      default ->
          throw new IllegalArgumentException(
              "tokenwise.cost.quality.shadow.judge must be 'final-answer', 'embedding' or"
                  + " 'lexical', not '"
                  + properties.judge()
                  + "'");
    };
  }

  /**
   * Exact agreement of the two answers' final answers ({@link FinalAnswers}) where both have one,
   * the fallback's similarity otherwise. A match is 1 and a mismatch 0, so the verdict against the
   * similarity threshold is exactly whether the two final answers agree, however alike or unlike
   * the reasoning around them.
   */
  static final class FinalAnswerMatch implements ShadowJudge {

    private final ShadowJudge fallback;

    FinalAnswerMatch(ShadowJudge fallback) {
      this.fallback = fallback;
    }

    @Override
    public String name() {
      return "final-answer+" + fallback.name();
    }

    @Override
    public double similarity(String served, String reference) {
      return FinalAnswers.agree(served, reference)
          .map(agreed -> agreed ? 1.0 : 0.0)
          .orElseGet(() -> fallback.similarity(served, reference));
    }
  }

  /**
   * Cosine similarity of the two answers' MiniLM (all-MiniLM-L6-v2, quantised) embeddings: local
   * and cheap, and blind to a changed number in a long answer, so it errs towards agreement. The
   * ONNX model loads on first use (about a second), not at start-up.
   */
  static final class EmbeddingSimilarity implements ShadowJudge {

    private volatile EmbeddingModel model;

    @Override
    public String name() {
      return "embedding-similarity:all-minilm-l6-v2-q";
    }

    @Override
    public double similarity(String served, String reference) {
      if (served.strip().equals(reference.strip())) {
        return 1.0;
      }
      EmbeddingModel m = model();
      float[] a = m.embed(served.isBlank() ? " " : served).content().vector();
      float[] b = m.embed(reference.isBlank() ? " " : reference).content().vector();
      double dot = 0;
      double na = 0;
      double nb = 0;
      for (int i = 0; i < a.length; i++) {
        dot += a[i] * b[i];
        na += a[i] * a[i];
        nb += b[i] * b[i];
      }
      if (na == 0 || nb == 0) {
        return 0;
      }
      return Math.max(0, Math.min(1, dot / Math.sqrt(na * nb)));
    }

    private EmbeddingModel model() {
      EmbeddingModel m = model;
      if (m == null) {
        synchronized (this) {
          if (model == null) {
            model = new AllMiniLmL6V2QuantizedEmbeddingModel();
          }
          m = model;
        }
      }
      return m;
    }
  }

  /** Jaccard overlap of the two answers' lower-cased words. */
  static final class LexicalOverlap implements ShadowJudge {

    @Override
    public String name() {
      return "lexical-overlap";
    }

    @Override
    public double similarity(String served, String reference) {
      Set<String> a = words(served);
      Set<String> b = words(reference);
      if (a.isEmpty() && b.isEmpty()) {
        return 1.0;
      }
      Set<String> union = new HashSet<>(a);
      union.addAll(b);
      a.retainAll(b);
      return (double) a.size() / union.size();
    }

    private static Set<String> words(String text) {
      Set<String> words = new HashSet<>();
      for (String w : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
        if (!w.isEmpty()) {
          words.add(w);
        }
      }
      return words;
    }
  }
}
