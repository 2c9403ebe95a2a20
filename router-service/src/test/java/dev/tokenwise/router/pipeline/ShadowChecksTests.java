package dev.tokenwise.router.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.router.cache.CacheProperties;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * The shadow check's judge of a semantic hit: final answers decide where both answers state one,
 * the MiniLM cosine of the texts elsewhere.
 */
class ShadowChecksTests {

  private final ShadowChecks checks =
      new ShadowChecks(null, defaults(), null, null, null, null, null);

  @Test
  void answersThatReadAlikeButEndInDifferentNumbersDisagree() {
    String prose =
        "To find the share, divide the part by the whole and multiply by one hundred. Here the part"
            + " is taken from the question and the whole is the total.";

    assertThat(checks.agree(prose + "\n\nAnswer: 30", prose + "\n\nAnswer: 40")).isFalse();
    // The texts alone are nearly the same: the cosine would have called it agreement.
    assertThat(checks.agree(prose + " The result is below.", prose + " The result is here."))
        .isTrue();
  }

  @Test
  void answersWithTheSameFinalAnswerAgreeHoweverTheirReasoningDiffers() {
    assertThat(
            checks.agree(
                "Seven has no divisors but one and itself.\n\nAnswer: C",
                "Nine is three squared and eight is even, so the prime is the third option.\n\n"
                    + "**Answer:** c"))
        .isTrue();
    assertThat(checks.agree("The total comes to 1,200.50.", "Final answer: 1200.5")).isTrue();
  }

  @Test
  void withoutFinalAnswersTheCosineDecides() {
    assertThat(
            checks.agree(
                "Refunds are paid back to the original card within five business days.",
                "Refunds go back to the card you paid with, within five business days."))
        .isTrue();
    assertThat(
            checks.agree(
                "Refunds are paid back to the original card within five business days.",
                "Our office in Lisbon opens at nine in the morning on weekdays."))
        .isFalse();
  }

  /** The shipped agreement threshold (0.8); the rest is not read by the judge. */
  private static CacheProperties defaults() {
    return new CacheProperties(
        true,
        URI.create("http://127.0.0.1:1"),
        Duration.ofMillis(250),
        Duration.ofMillis(500),
        Duration.ofSeconds(5),
        DataSize.ofMegabytes(16),
        null,
        0.8,
        16,
        Duration.ZERO,
        100_000,
        Duration.ofSeconds(1));
  }
}
