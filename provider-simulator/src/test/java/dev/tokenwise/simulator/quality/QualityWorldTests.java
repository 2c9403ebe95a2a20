package dev.tokenwise.simulator.quality;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.simulator.quality.FinalAnswer.Kind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QualityWorldTests {

  static final String CHOICE =
      """
      Which cache eviction policy keeps the most recently used entries?
      A) FIFO
      B) LRU
      C) Random
      D) LFU""";

  final QualityWorld world = Worlds.standard();
  final List<String> prompts = TypicalPrompts.generate(300, 7);

  @Test
  void theSamePromptAndModelAlwaysGetTheSameTruth() {
    QualityWorld another = Worlds.standard();
    for (String prompt : prompts.subList(0, 50)) {
      assertThat(world.truth("gpt-5-mini", prompt)).isEqualTo(another.truth("gpt-5-mini", prompt));
    }
    // a snapshot is its alias's family: same skill, same luck
    Truth alias = world.truth("gpt-5-mini", CHOICE);
    Truth snapshot = world.truth("gpt-5-mini-2025-08-07", CHOICE);
    assertThat(snapshot.noise()).isEqualTo(alias.noise());
    assertThat(snapshot.finalAnswer()).isEqualTo(alias.finalAnswer());
  }

  @Test
  void surfaceFeaturesRaiseTheVisibleDifficultyAndAHashTheHiddenPart() {
    Difficulty plain = Difficulty.of("What is a token bucket?");
    Difficulty hard =
        Difficulty.of(
            """
            1. Prove that the scheduler below never starves a task, step by step.
            2. Calculate its worst-case latency for 3 queues of 40, 75 and 120 tasks.
            ```
            def pick(queues): return min(queues, key=len)
            ```""");

    assertThat(plain.visible()).isLessThan(0.1);
    assertThat(hard.visible()).isGreaterThan(0.6);
    // the visible part is the same for prompts that look alike; the hidden part is not
    Difficulty alike = Difficulty.of("What is a bloom filter?");
    assertThat(alike.visible()).isEqualTo(plain.visible());
    assertThat(alike.hidden()).isNotEqualTo(plain.hidden());
    assertThat(prompts)
        .allSatisfy(p -> assertThat(Difficulty.of(p).value()).isBetween(0.0, 1.0))
        .anySatisfy(p -> assertThat(Difficulty.of(p).hidden()).isLessThan(0.1))
        .anySatisfy(p -> assertThat(Difficulty.of(p).hidden()).isGreaterThan(0.9));
  }

  @Test
  void aModelIsRightWhenItsSkillBeatsTheDifficultyPlusItsNoise() {
    for (String prompt : prompts) {
      Truth t = world.truth("claude-haiku-4-5", prompt);
      assertThat(t.right()).isEqualTo(t.skill() > t.difficulty() + t.noise());
      assertThat(t.noise()).isBetween(-0.3, 0.3);
    }
    // the noise is the model's own: two models of equal skill disagree on some prompts
    QualityWorld twins = Worlds.withSkills(Map.of("gpt-5-mini", 0.435, "claude-haiku", 0.435));
    assertThat(prompts)
        .anySatisfy(
            p ->
                assertThat(twins.truth("gpt-5-mini", p).right())
                    .isNotEqualTo(twins.truth("claude-haiku-4-5", p).right()));
  }

  @Test
  void skillsAreConfigurablePerFamily() {
    QualityWorld world = Worlds.withSkills(Map.of("gpt-5-nano", 1.5, "claude-opus", -0.5));

    assertThat(prompts).allSatisfy(p -> assertThat(world.truth("gpt-5-nano", p).right()).isTrue());
    assertThat(prompts)
        .allSatisfy(p -> assertThat(world.truth("claude-opus-4-5", p).right()).isFalse());
  }

  @Test
  void aWrongAnswersFinalAnswerDiffersFromTheCorrectOne() {
    int wrong = 0;
    for (String model : List.of("gpt-5-nano", "gpt-5", "claude-haiku-4-5")) {
      for (String prompt : prompts) {
        Truth t = world.truth(model, prompt);
        assertThat(t.correctAnswer()).isEqualTo(FinalAnswer.correct(prompt));
        if (t.right()) {
          assertThat(t.finalAnswer()).isEqualTo(t.correctAnswer());
        } else {
          wrong++;
          assertThat(t.finalAnswer()).as(prompt).isNotEqualTo(t.correctAnswer());
          if (t.kind() == Kind.CHOICE) {
            assertThat(FinalAnswer.options(prompt)).contains(t.finalAnswer());
          }
        }
      }
    }
    assertThat(wrong).isGreaterThan(50);
  }

  @Test
  void rightAnswersOfTwoModelsAgree() {
    int both = 0;
    for (String prompt : prompts) {
      Truth small = world.truth("claude-haiku-4-5", prompt);
      Truth frontier = world.truth("gpt-5", prompt);
      if (small.right() && frontier.right()) {
        both++;
        assertThat(small.finalAnswer()).isEqualTo(frontier.finalAnswer());
      }
    }
    assertThat(both).isGreaterThan(100);
  }

  @Test
  void finalAnswersByKindOfPrompt() {
    assertThat(FinalAnswer.kindOf(CHOICE)).isEqualTo(Kind.CHOICE);
    assertThat(FinalAnswer.correct(CHOICE)).isIn("A", "B", "C", "D");
    assertThat(FinalAnswer.kindOf("Pick one:\n(A) red\n(B) blue")).isEqualTo(Kind.CHOICE);
    assertThat(FinalAnswer.correct("What is 17 + 25?")).isEqualTo("42");
    assertThat(FinalAnswer.correct("Calculate 7*6")).isEqualTo("42");
    assertThat(FinalAnswer.correct("What is 10 / 4?")).isEqualTo("2.5");
    assertThat(FinalAnswer.kindOf("How many legs do 3 spiders have in total?"))
        .isEqualTo(Kind.NUMBER);
    assertThat(FinalAnswer.kindOf("What does HTTP 404 mean?")).isEqualTo(Kind.FACT);
    assertThat(FinalAnswer.correct("Explain caching")).matches("[a-z]+ [a-z]+");
  }

  @Test
  void servedAnswersAreCountedPerFamilyUntilReset() {
    world.served(world.truth("gpt-5-mini-2025-08-07", CHOICE));
    world.served(world.truth("gpt-5-mini", CHOICE));
    Truth t = world.truth("gpt-5-mini", CHOICE);

    assertThat(world.served())
        .containsEntry("gpt-5-mini", new QualityWorld.Served(t.right() ? 2 : 0, t.right() ? 0 : 2));
    world.reset();
    assertThat(world.served()).isEmpty();
  }
}
