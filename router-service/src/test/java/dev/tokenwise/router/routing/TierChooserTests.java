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
  void explorationServesTheOtherTierByRequestIdAndRecordsItsPropensity() {
    TierChooser exploring =
        new TierChooser(
            json,
            null,
            null,
            new dev.tokenwise.router.selftraining.LearningProperties(
                true,
                0.05,
                0.2,
                Duration.ofSeconds(10),
                Duration.ofMinutes(10),
                100,
                null,
                0.2,
                100,
                100,
                0.005,
                10,
                10,
                false),
            7L);
    String body =
        json.writeValueAsString(
            java.util.Map.of(
                "model",
                Route.AUTO,
                "messages",
                List.of(
                    java.util.Map.of(
                        "role", "user", "content", "What is the capital of France?"))));
    int explored = 0;
    for (int i = 0; i < 200; i++) {
      String id = "req-" + i;
      TierChoice choice =
          exploring.choose(route("learned"), Route.AUTO, json.readTree(body), id).block();
      // the same request id is routed the same way again
      TierChoice again =
          exploring.choose(route("learned"), Route.AUTO, json.readTree(body), id).block();
      assertThat(again.tier()).isEqualTo(choice.tier());
      if (choice.input().explored()) {
        explored++;
        // the model picks the cheap tier for this prompt; exploring serves the strong one
        assertThat(choice.tier()).isEqualTo(1);
        assertThat(choice.reason()).isEqualTo("learned+explored");
        assertThat(choice.input().propensity()).isEqualTo(0.2);
      } else {
        assertThat(choice.tier()).isZero();
        assertThat(choice.reason()).isEqualTo("learned");
        assertThat(choice.input().propensity()).isEqualTo(0.8);
      }
    }
    assertThat(explored).isBetween(20, 60);
  }

  @Test
  void aStrongShareIsAShareOfTheRoutesOwnTrafficOnceEnoughIsSeen() {
    TierChooser calibrated =
        new TierChooser(
            json,
            null,
            null,
            new dev.tokenwise.router.selftraining.LearningProperties(
                true,
                0.05,
                0,
                Duration.ofSeconds(10),
                Duration.ofMinutes(10),
                100,
                null,
                0.2,
                100,
                100,
                0.005,
                10,
                10,
                true),
            7L);
    java.util.Random random = new java.util.Random(5);
    int strong = 0;
    int counted = 0;
    for (int i = 0; i < 700; i++) {
      // one narrow kind of traffic: the model's training percentiles do not describe it
      String prompt =
          "Solve step by step and justify: compute "
              + random.nextInt(1000)
              + " * "
              + random.nextInt(1000)
              + " and prove the result. Case "
              + i;
      String body =
          json.writeValueAsString(
              java.util.Map.of(
                  "model",
                  Route.AUTO,
                  "messages",
                  List.of(java.util.Map.of("role", "user", "content", prompt))));
      TierChoice choice =
          calibrated.choose(route("learned"), Route.AUTO, json.readTree(body), "r" + i).block();
      if (i >= 400) {
        counted++;
        strong += choice.tier();
      }
    }
    // the route asks for 30% strong (route(...) sets strong-share 0.3)
    assertThat(strong / (double) counted).isBetween(0.2, 0.4);
  }
}
