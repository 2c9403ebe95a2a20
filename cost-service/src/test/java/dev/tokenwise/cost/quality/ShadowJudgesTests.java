package dev.tokenwise.cost.quality;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenwise.cost.quality.ShadowJudges.FinalAnswerMatch;
import dev.tokenwise.cost.quality.ShadowJudges.LexicalOverlap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The final-answer judge decides on the final answers when both answers state one, and leaves the
 * rest to similarity (lexical here, so no embedding model loads).
 */
class ShadowJudgesTests {

  static final double THRESHOLD =
      bind("tokenwise.cost.quality", QualityProperties.class, Map.of()).similarityThreshold();

  final ShadowJudge judge = new FinalAnswerMatch(new LexicalOverlap());

  @Test
  void finalAnswerLinesThatAgreeAreAMatchHoweverTheReasoningDiffers() {
    String served = "You asked: \"Which is prime?\". Keep it simple.\n\nAnswer: C";
    String reference = "Seven has no divisors but one and itself, so it is prime.\n\n**Answer:** c";

    assertThat(judge.similarity(served, reference)).isEqualTo(1.0);
  }

  @Test
  void aDifferentFinalAnswerIsAMismatchHoweverAlikeTheProse() {
    String prose =
        "You asked: \"What is 17 + 25?\". Most teams find that measuring before optimising saves"
            + " time. You can verify this with a quick test.";
    String served = prose + "\n\nAnswer: 43";
    String reference = prose + "\n\nAnswer: 42";

    double similarity = judge.similarity(served, reference);

    assertThat(similarity).isEqualTo(0.0).isLessThan(THRESHOLD);
    assertThat(new LexicalOverlap().similarity(served, reference)).isGreaterThan(0.85);
  }

  @Test
  void finalAnswersAreComparedByValue() {
    assertThat(judge.similarity("The sum is 42", "Answer: 42.0")).isEqualTo(1.0);
    assertThat(judge.similarity("Weighing both, the answer is (B).", "Answer: b")).isEqualTo(1.0);
  }

  @Test
  void withoutAFinalAnswerOnBothSidesTheFallbackDecides() {
    String served = "Refunds take five business days.";
    String reference = "Refunds take five business days. Answer: 5";
    String noAnswer = "Refunds take five working days.";

    assertThat(judge.similarity(served, reference))
        .isEqualTo(new LexicalOverlap().similarity(served, reference));
    assertThat(judge.similarity(served, noAnswer))
        .isEqualTo(new LexicalOverlap().similarity(served, noAnswer));
  }

  @Test
  void finalAnswerIsTheDefaultAndEveryJudgeIsSelectable() {
    ShadowJudges judges = new ShadowJudges();

    assertThat(judges.shadowJudge(properties(null)).name())
        .isEqualTo("final-answer+embedding-similarity:all-minilm-l6-v2-q");
    assertThat(judges.shadowJudge(properties("embedding")).name())
        .isEqualTo("embedding-similarity:all-minilm-l6-v2-q");
    assertThat(judges.shadowJudge(properties("lexical")).name()).isEqualTo("lexical-overlap");
    assertThatThrownBy(() -> judges.shadowJudge(properties("vibes")))
        .hasMessageContaining("'final-answer', 'embedding' or 'lexical'");
  }

  /** As Spring binds them, with the records' defaults for what is not set. */
  private static <T> T bind(String prefix, Class<T> type, Map<String, String> values) {
    return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate(prefix, type);
  }

  private static ShadowProperties properties(String judge) {
    return bind(
        "tokenwise.cost.quality.shadow",
        ShadowProperties.class,
        judge == null ? Map.of() : Map.of("tokenwise.cost.quality.shadow.judge", judge));
  }
}
