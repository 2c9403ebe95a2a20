package dev.tokenwise.router.routing.learning;

import static dev.tokenwise.router.routing.learning.SyntheticVerdicts.cosine;
import static dev.tokenwise.router.routing.learning.SyntheticVerdicts.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.tokenwise.router.routing.LinearRouterModel;
import java.io.ByteArrayInputStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class VerdictTrainerTests {

  private final SyntheticVerdicts data = new SyntheticVerdicts(42);
  private final VerdictTrainer trainer = new VerdictTrainer();

  @Test
  void recoversThePlantedGainDirectionFromOneSidedFeedback() {
    // The router in service points the wrong way, so it sends the prompts the cheap tier fails
    // on to the cheap tier: the cheap outcomes it sees are mostly bad ones, the strong outcomes
    // mostly good ones. Counting "served and good" as the label would learn the wrong direction.
    LinearRouterModel wrong = model(java.util.Arrays.stream(data.direction).map(w -> -w).toArray());
    List<RoutingVerdict> verdicts = data.served(4000, wrong, 0.0);
    assertThat(verdicts).noneMatch(RoutingVerdict::knowsBoth);

    LinearRouterModel trained = trainer.train(verdicts, model(new double[8]));

    assertThat(cosine(trained.weights(), data.direction)).isGreaterThan(0.9);
  }

  @Test
  void theWarmStartDominatesAFewVerdicts() {
    double[] warm = data.gaussian();
    List<RoutingVerdict> few = data.served(5, model(data.direction), 0.2);

    LinearRouterModel trained = trainer.train(few, model(warm));

    assertThat(cosine(trained.weights(), warm)).isGreaterThan(0.98);
  }

  @Test
  void manyVerdictsOverrideAWrongWarmStart() {
    double[] warm = java.util.Arrays.stream(data.direction).map(w -> -w).toArray();
    List<RoutingVerdict> many = data.served(6000, model(data.direction), 0.15);

    LinearRouterModel trained = trainer.train(many, model(warm));

    assertThat(cosine(trained.weights(), data.direction)).isGreaterThan(0.8);
  }

  @Test
  void noVerdictsLeaveTheWarmStartAsItIs() {
    LinearRouterModel warm = model(data.gaussian());

    assertThat(trainer.train(List.of(), warm)).isSameAs(warm);
  }

  @Test
  void writesAModelTheRouterReadsWithThresholdsFromTheTraffic() {
    List<RoutingVerdict> verdicts = data.served(1000, model(data.direction), 0.15);
    LinearRouterModel trained = trainer.train(verdicts, model(new double[8]));
    JsonMapper json = JsonMapper.builder().build();

    LinearRouterModel read =
        LinearRouterModel.read(new ByteArrayInputStream(json.writeValueAsBytes(trained)), json);

    assertThat(read).isEqualTo(trained);
    assertThat(read.format()).isEqualTo(LinearRouterModel.FORMAT);
    assertThat(read.trainingRows()).isEqualTo(1000);
    double[] q = read.scoreQuantiles();
    for (int p = 1; p <= 100; p++) {
      assertThat(q[p]).isGreaterThanOrEqualTo(q[p - 1]);
    }
    long above =
        verdicts.stream().filter(v -> read.score(v.embedding()) >= read.thresholdFor(0.3)).count();
    assertThat(above / 1000.0).isBetween(0.25, 0.35);
  }

  @Test
  void aFeatureThatNeverVariedInTheWarmStartsTrainingDoesNotBlowUp() {
    // The shipped model's "all-none-both" feature was 0 on all its 80 examples: scale 1e-9.
    double[] weights = new double[10];
    weights[0] = 1;
    LinearRouterModel warm =
        new LinearRouterModel(
            LinearRouterModel.FORMAT,
            "test",
            "test",
            1,
            80,
            0,
            weights,
            SyntheticVerdicts.model(weights).scoreQuantiles(),
            dev.tokenwise.router.routing.PromptFeatures.ID,
            new double[] {0, 0},
            new double[] {1, 1e-9});
    java.util.Random random = new java.util.Random(1);
    List<RoutingVerdict> verdicts = new java.util.ArrayList<>();
    for (int i = 0; i < 400; i++) {
      float[] x = new float[8];
      x[0] = (float) random.nextGaussian();
      boolean hard = x[0] > 0;
      verdicts.add(
          RoutingVerdict.shadow(
              x, new double[] {random.nextGaussian(), i % 2}, 0, !hard, true, i, false, 1));
    }

    LinearRouterModel trained = trainer.train(verdicts, warm);

    assertThat(trained.featureScales()[1]).isBetween(0.4, 0.6);
    assertThat(java.util.Arrays.stream(trained.weights()).map(Math::abs).max().orElseThrow())
        .isLessThan(10);
    assertThat(trained.weights()[0]).isGreaterThan(0.1);
  }

  @Test
  void aVerdictKnowsItsServedTiersOutcome() {
    RoutingVerdict v = RoutingVerdict.feedback(new float[8], new double[0], 1, false, 0, false, 1);

    assertThat(v.strongGood()).isFalse();
    assertThat(v.cheapGood()).isNull();
    assertThat(v.knowsBoth()).isFalse();
    assertThatIllegalArgumentException()
        .isThrownBy(
            () ->
                new RoutingVerdict(
                    new float[8], new double[0], 0, true, false, null, "x", 0, false, 1));
  }
}
