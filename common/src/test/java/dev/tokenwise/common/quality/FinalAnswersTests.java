package dev.tokenwise.common.quality;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FinalAnswersTests {

  @Test
  void finalAnswersAreReadFromAnswerLinesTrailingNumbersAndOptionLetters() {
    assertThat(FinalAnswers.of("So the total comes to 1,200.50.")).contains("1200.5");
    assertThat(FinalAnswers.of("Final answer: $1200.5")).contains("1200.5");
    assertThat(FinalAnswers.of("Weighing both, the answer is (B).")).contains("B");
    assertThat(FinalAnswers.of("Answer: B) LRU")).contains("B");
    assertThat(FinalAnswers.of("Answer: 2\nAnswer: 3")).contains("3");
    assertThat(FinalAnswers.of("Answer:  The Amber  Ledger.")).contains("the amber ledger");
    assertThat(FinalAnswers.of("Refunds take 5 business days.")).isEmpty();
    assertThat(FinalAnswers.of("Plan A is cheaper.")).isEmpty();
  }

  @Test
  void twoAnswersAgreeOnlyWhenBothStateTheSameFinalAnswer() {
    assertThat(FinalAnswers.agree("The sum is 42", "**Answer:** 42.0")).contains(true);
    assertThat(FinalAnswers.agree("Answer: 43", "Answer: 42")).contains(false);
    assertThat(FinalAnswers.agree("Refunds take five days.", "Answer: 5")).isEmpty();
    assertThat(FinalAnswers.agree("Answer: 5", "Refunds take five days.")).isEmpty();
  }
}
