package dev.tokenwise.cache.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.cache.semantic.QuestionGuards.Refusal;
import org.junit.jupiter.api.Test;

class QuestionGuardsTests {

  private final QuestionGuards guards = new QuestionGuards(1);

  @Test
  void paraphrasesPass() {
    assertThat(guards.refusal("How do I learn to cook rice?", "How can I learn cooking rice?"))
        .isEmpty();
    assertThat(
            guards.refusal("What is the capital of France?", "What's the capital city of France?"))
        .isEmpty();
    assertThat(guards.refusal("How do I lose weight fast?", "What is the best way to lose weight?"))
        .isEmpty();
  }

  @Test
  void differentNumbersAreRefused() {
    assertThat(guards.refusal("Is 17 a prime number?", "Is 21 a prime number?"))
        .contains(Refusal.NUMBERS);
    assertThat(guards.refusal("What are three tips for sleep?", "What are five tips for sleep?"))
        .contains(Refusal.NUMBERS);
    assertThat(guards.refusal("Convert 1,000 USD to EUR", "Convert 1000 USD to EUR")).isEmpty();
  }

  @Test
  void negationIsRefused() {
    assertThat(guards.refusal("Is coffee bad for you?", "Is coffee not bad for you?"))
        .contains(Refusal.NEGATION);
    assertThat(guards.refusal("Why can't I sleep at night?", "Why can I sleep at night?"))
        .contains(Refusal.NEGATION);
    assertThat(guards.refusal("Why don't cats like water?", "Why do cats not like water?"))
        .isEmpty();
  }

  @Test
  void differentNamedEntitiesAreRefused() {
    assertThat(guards.refusal("How do I learn Python?", "How do I learn Java?"))
        .contains(Refusal.ENTITIES);
    assertThat(guards.refusal("What is the population of the USA?", "What is the population?"))
        .contains(Refusal.ENTITIES);
    assertThat(guards.refusal("Should I buy an iPhone?", "Should I buy a Pixel?"))
        .contains(Refusal.ENTITIES);
    // Case alone does not make a different question.
    assertThat(guards.refusal("how do I learn python", "How do I learn Python?")).isEmpty();
  }

  @Test
  void differentKeyNounsAreRefused() {
    assertThat(
            guards.refusal(
                "How do I remove a stain from a carpet?", "How do I remove a stain from a shirt?"))
        .contains(Refusal.KEY_NOUNS);
    assertThat(
            new QuestionGuards(0)
                .refusal("How do I improve my writing?", "How do I improve my writing skills?"))
        .contains(Refusal.KEY_NOUNS);
  }

  @Test
  void questionsAskedWithDifferentQuestionWordsAreRefused() {
    assertThat(guards.refusal("When was the wheel invented?", "Where was the wheel invented?"))
        .contains(Refusal.QUESTION_WORD);
    assertThat(guards.refusal("Who started rap music?", "When did rap music start?"))
        .contains(Refusal.QUESTION_WORD);
    assertThat(guards.refusal("How many moons does Mars have?", "Why does Mars have moons?"))
        .contains(Refusal.QUESTION_WORD);
    // The same question word, "what" for "how", or one without such a word: left to the others.
    assertThat(guards.refusal("Why do cats purr?", "Why do cats purr so much?")).isEmpty();
    assertThat(guards.refusal("Why do cats purr?", "What makes cats purr?")).isEmpty();
    assertThat(guards.refusal("How do I lose weight?", "What is the best way to lose weight?"))
        .isEmpty();
    // Off only to measure it.
    assertThat(
            new QuestionGuards(1, false)
                .refusal("When was the wheel invented?", "Where was the wheel invented?"))
        .isEmpty();
  }

  @Test
  void lexicalFeaturesDescribeHowTwoQuestionsDiffer() {
    double[] same = QuestionGuards.features("How do I learn Python?", "How do I learn Python?");
    assertThat(same[0]).isEqualTo(1.0);
    assertThat(same[2]).isZero();
    double[] different = QuestionGuards.features("When was Rome founded?", "Where is Paris 2?");
    assertThat(different[3]).as("entity mismatch").isEqualTo(1.0);
    assertThat(different[4]).as("number mismatch").isEqualTo(1.0);
    assertThat(different[6]).as("question-word mismatch").isEqualTo(1.0);
  }

  @Test
  void stemsMatchWordForms() {
    assertThat(QuestionGuards.stem("studies")).isEqualTo("study");
    assertThat(QuestionGuards.stem("learning")).isEqualTo(QuestionGuards.stem("learn"));
    assertThat(QuestionGuards.stem("boxes")).isEqualTo(QuestionGuards.stem("box"));
  }
}
