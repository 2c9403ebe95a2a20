package dev.tokenwise.router.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.router.route.Route;
import dev.tokenwise.router.route.RouteProperties;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class TierChooserTests {

  private final JsonMapper json = JsonMapper.builder().build();
  private final TierChooser chooser = new TierChooser(json);

  private Route route(String classifier) {
    return new Route(
        "r",
        new RouteProperties.Definition(
            new RouteProperties.Match(null, null, null),
            List.of("gpt-5-nano", "gpt-5"),
            null,
            new RouteProperties.Classifier(classifier, null, 0.3, null),
            null,
            new RouteProperties.Output(null, null),
            null,
            "answer",
            RouteProperties.Cache.defaults(),
            new RouteProperties.PromptCache(true, "auto", 0.3, true, Duration.ofMinutes(5)),
            RouteProperties.Mode.SYNC,
            0,
            0.02),
        "header");
  }

  private TierChoice choose(String classifier, String model, String prompt) {
    String body =
        json.writeValueAsString(
            java.util.Map.of(
                "model",
                model,
                "messages",
                List.of(java.util.Map.of("role", "user", "content", prompt))));
    return chooser.choose(route(classifier), model, json.readTree(body)).block();
  }

  @Test
  void aliasesPinTheCheapestAndStrongestTiers() {
    assertThat(choose("heuristic", Route.FAST, "prove the Riemann hypothesis").model())
        .isEqualTo("gpt-5-nano");
    assertThat(choose("heuristic", Route.SMART, "hi").model()).isEqualTo("gpt-5");
  }

  @Test
  void theHeuristicSendsHardPromptsStrongAndSmallTalkCheap() {
    TierChoice easy = choose("heuristic", Route.AUTO, "Say hello to Bob.");
    assertThat(easy.model()).isEqualTo("gpt-5-nano");
    assertThat(easy.reason()).isEqualTo("heuristic");
    String hard =
        "Solve step by step: a train leaves at 3:15 at 80 km/h, another at 4:05 at 95 km/h; "
            + "how many minutes until the second catches up? Derive the equation 80*(t+50) = 95*t "
            + "and prove the answer.\n```python\ndef f(t):\n    return 80 * t\n```";
    TierChoice choice = choose("heuristic", Route.AUTO, hard);
    assertThat(choice.model()).isEqualTo("gpt-5");
    assertThat(choice.header()).startsWith("1 (heuristic ");
  }

  @Test
  void theShippedLearnedModelScoresARequestAndPicksATier() {
    TierChoice choice = choose("learned", Route.AUTO, "What is the capital of France?");
    assertThat(choice.reason()).isEqualTo("learned");
    assertThat(choice.model()).isEqualTo("gpt-5-nano");
    LinearRouterModel shipped = chooser.model(null);
    assertThat(shipped.features()).isEqualTo(PromptFeatures.ID);
    assertThat(shipped.weights()).hasSize(384 + PromptFeatures.NAMES.size());
  }

  @Test
  void aLearnedChoiceKeepsWhatTheModelSawAndTheVersionThatChose() {
    TierChoice choice = choose("learned", Route.AUTO, "What is the capital of France?");
    RoutingInput input = choice.input();
    assertThat(input).isNotNull();
    assertThat(input.embedding()).hasSize(384);
    assertThat(input.features()).hasSize(PromptFeatures.NAMES.size());
    assertThat(input.routerVersion()).isEqualTo(TierChooser.SHIPPED_VERSION);
    assertThat(choice.routerVersion()).isEqualTo("shipped");
    // exploration is off for this chooser: the model's pick, with certainty
    assertThat(input.explored()).isFalse();
    assertThat(input.propensity()).isEqualTo(1.0);
    assertThat(choose("heuristic", Route.AUTO, "hi").input()).isNull();
  }

  @Test
  void explorationServesADrawnTierAndRecordsItsPropensity() {
    double[] draws = {0.01, 0.9, 0.9};
    int[] next = {0};
    TierChooser exploring =
        new TierChooser(
            json,
            null,
            null,
            new dev.tokenwise.router.selftraining.LearningProperties(
                true,
                0.05,
                0.1,
                Duration.ofSeconds(10),
                Duration.ofMinutes(10),
                100,
                null,
                0.2,
                100,
                100,
                0.005),
            () -> draws[next[0]++ % draws.length]);
    String body =
        json.writeValueAsString(
            java.util.Map.of(
                "model",
                Route.AUTO,
                "messages",
                List.of(
                    java.util.Map.of(
                        "role", "user", "content", "What is the capital of France?"))));
    // first draw 0.01 < 0.1 explores; second draw 0.9 >= 0.5 serves the cheap tier
    TierChoice explored =
        exploring.choose(route("learned"), Route.AUTO, json.readTree(body)).block();
    assertThat(explored.reason()).isEqualTo("learned+explored");
    assertThat(explored.tier()).isZero();
    assertThat(explored.input().explored()).isTrue();
    // the model picks cheap for this prompt: 0.9 when not exploring plus 0.05 when exploring
    assertThat(explored.input().propensity())
        .isCloseTo(0.95, org.assertj.core.data.Offset.offset(1e-9));
    // next request: draw 0.9 does not explore; the model's pick
    TierChoice chosen = exploring.choose(route("learned"), Route.AUTO, json.readTree(body)).block();
    assertThat(chosen.reason()).isEqualTo("learned");
    assertThat(chosen.input().explored()).isFalse();
    assertThat(chosen.input().propensity())
        .isCloseTo(0.95, org.assertj.core.data.Offset.offset(1e-9));
  }
}
