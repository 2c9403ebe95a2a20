package dev.tokenwise.simulator.quality;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * On a generated mix of typical prompts, small models are right about two times in three and
 * frontier models clearly more often; the figures printed here are the README's.
 */
class QualityCalibrationTests {

  final QualityWorld world = Worlds.standard();
  final List<String> prompts = TypicalPrompts.generate(400, 14);

  @Test
  void smallModelsAreRightOnAboutTwoThirdsAndFrontierModelsOnMost() {
    for (String model : Worlds.SMALL) {
      double rate = rate(model);
      System.out.printf(Locale.ROOT, "calibration %-22s right %.3f%n", model, rate);
      assertThat(rate).as(model).isBetween(0.55, 0.80);
    }
    double bestSmall = Worlds.SMALL.stream().mapToDouble(this::rate).max().orElseThrow();
    for (String model : Worlds.FRONTIER) {
      double rate = rate(model);
      System.out.printf(Locale.ROOT, "calibration %-22s right %.3f%n", model, rate);
      assertThat(rate).as(model).isBetween(0.80, 0.95).isGreaterThanOrEqualTo(bestSmall + 0.1);
    }
    for (String model : Worlds.OTHERS) {
      System.out.printf(Locale.ROOT, "calibration %-22s right %.3f%n", model, rate(model));
    }
  }

  @Test
  void aMinorityOfPromptsNeedsTheFrontierModel() {
    long needFrontier =
        prompts.stream()
            .filter(p -> !world.truth("gpt-5-mini", p).right() && world.truth("gpt-5", p).right())
            .count();
    double share = (double) needFrontier / prompts.size();
    System.out.printf(Locale.ROOT, "calibration gpt-5-mini wrong, gpt-5 right: %.3f%n", share);
    assertThat(share).isBetween(0.10, 0.30);
  }

  @Test
  void harderLookingPromptsAreHarderOnAverage() {
    double easy = 0;
    double hard = 0;
    int easyCount = 0;
    int hardCount = 0;
    for (String p : prompts) {
      boolean right = world.truth("gpt-5-mini", p).right();
      if (Difficulty.visible(p) < 0.1) {
        easy += right ? 1 : 0;
        easyCount++;
      } else if (Difficulty.visible(p) > 0.3) {
        hard += right ? 1 : 0;
        hardCount++;
      }
    }
    assertThat(easyCount).isPositive();
    assertThat(hardCount).isPositive();
    assertThat(easy / easyCount).isGreaterThan(hard / hardCount + 0.1);
  }

  private double rate(String model) {
    return prompts.stream().filter(p -> world.truth(model, p).right()).count()
        / (double) prompts.size();
  }
}
