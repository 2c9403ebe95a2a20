package dev.tokenwise.cost.quality;

import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.math.BigDecimal;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
   * Exact agreement of the two answers' final answers where both have one, the fallback's
   * similarity otherwise. A final answer is the value of the last {@code Answer: X} line (also
   * {@code Final answer: X}, {@code **Answer:** X}), else a number the answer ends with, else an
   * option letter it ends with ({@code ... the answer is (C).}); letters are upper-cased, numbers
   * compared by value ({@code 1,200.50} = {@code 1200.5}), anything else by its lower-cased words.
   * A match is 1 and a mismatch 0, so the verdict against the similarity threshold is exactly
   * whether the two final answers agree, however alike or unlike the reasoning around them.
   */
  static final class FinalAnswerMatch implements ShadowJudge {

    private static final Pattern ANSWER_LINE =
        Pattern.compile(
            "(?im)^[\\s*_#>-]*(?:final\\s+)?answer\\s*(?:is)?\\s*[*_]*\\s*[:=]\\s*[*_]*\\s*(\\S.*?)\\s*$");
    private static final Pattern TRAILING_NUMBER =
        Pattern.compile("(?<![\\w.,])(-?\\d[\\d,]*(?:\\.\\d+)?)[\\s*_.!)%]*$");
    private static final Pattern TRAILING_OPTION =
        Pattern.compile(
            "(?:(?i:answer is|option|choice)\\s*\\(?([A-E])\\)?|\\(([A-E])\\))[\\s*_.!]*$");
    private static final Pattern OPTION = Pattern.compile("\\(?([A-Ea-e])\\)?(?:[).:]\\s.*)?");
    private static final Pattern NUMBER = Pattern.compile("[$€£]?\\s*(-?\\d[\\d,]*(?:\\.\\d+)?)%?");

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
      Optional<String> a = finalAnswer(served);
      Optional<String> b = finalAnswer(reference);
      if (a.isPresent() && b.isPresent()) {
        return a.get().equals(b.get()) ? 1.0 : 0.0;
      }
      return fallback.similarity(served, reference);
    }

    /** The answer's final answer, normalised, or empty when it states none. */
    static Optional<String> finalAnswer(String text) {
      Matcher line = ANSWER_LINE.matcher(text);
      String last = null;
      while (line.find()) {
        last = line.group(1);
      }
      if (last != null) {
        String value = last.replaceAll("[*_`]", "").strip().replaceAll("[.!]+$", "").strip();
        if (!value.isEmpty()) {
          return Optional.of(normalise(value));
        }
      }
      String stripped = text.strip();
      Matcher number = TRAILING_NUMBER.matcher(stripped);
      if (number.find()) {
        return Optional.of(normalise(number.group(1)));
      }
      Matcher option = TRAILING_OPTION.matcher(stripped);
      if (option.find()) {
        return Optional.of(option.group(1) != null ? option.group(1) : option.group(2));
      }
      return Optional.empty();
    }

    private static String normalise(String value) {
      Matcher option = OPTION.matcher(value);
      if (option.matches()) {
        return option.group(1).toUpperCase(Locale.ROOT);
      }
      Matcher number = NUMBER.matcher(value);
      if (number.matches()) {
        BigDecimal n = new BigDecimal(number.group(1).replace(",", ""));
        return n.signum() == 0 ? "0" : n.stripTrailingZeros().toPlainString();
      }
      return String.join(" ", value.toLowerCase(Locale.ROOT).split("\\s+"));
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
