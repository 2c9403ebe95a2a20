package dev.tokenwise.router.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.router.cache.TestCacheProperties;
import org.junit.jupiter.api.Test;

/**
 * The shadow check's judge of a semantic hit: final answers decide where both answers state one,
 * the MiniLM cosine of the texts elsewhere.
 */
class ShadowChecksTests {

  private final ShadowChecks checks =
      new ShadowChecks(null, TestCacheProperties.unreachable(), null, null, null, null, null);

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
}
