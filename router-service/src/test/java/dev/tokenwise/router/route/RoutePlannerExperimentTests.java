package dev.tokenwise.router.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenwise.common.translate.NormalizedUsage;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.router.chat.ChatProperties;
import dev.tokenwise.router.promptcache.PromptCacheProperties;
import dev.tokenwise.router.promptcache.PromptCacheShaper;
import dev.tokenwise.router.request.RequestGuardProperties;
import dev.tokenwise.router.routing.TierChoice;
import dev.tokenwise.router.routing.TierChooser;
import dev.tokenwise.router.routing.WarmPrefixes;
import dev.tokenwise.router.tenant.Tenant;
import dev.tokenwise.router.usage.UsageEvents;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.util.unit.DataSize;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A route with an experiment: the arm's model or tiers decide what serves the request, the plan
 * names the arm, and the answer's headers and usage event carry it.
 */
class RoutePlannerExperimentTests {

  private final JsonMapper json = JsonMapper.builder().build();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  /** Records the tiers it was asked to choose among and takes the cheapest. */
  private final List<List<String>> asked = new ArrayList<>();

  private final TierChooser recording =
      new TierChooser(json) {
        @Override
        public Mono<TierChoice> choose(
            Route route, String clientModel, JsonNode request, String requestId) {
          asked.add(route.tiers());
          return Mono.just(new TierChoice(route.tiers().get(0), 0, "heuristic", 0.1));
        }
      };

  private static RouteProperties.Definition route(RouteProperties.Experiment experiment) {
    return new RouteProperties.Definition(
        new RouteProperties.Match(null, null, List.of(Route.AUTO)),
        List.of("gpt-5-nano", "gpt-5"),
        "gpt-5",
        new RouteProperties.Classifier("heuristic", null, 0.3, null),
        null,
        new RouteProperties.Output(null, null),
        null,
        "answer",
        RouteProperties.Cache.defaults(),
        new RouteProperties.PromptCache(false, "auto", 0.3, false, Duration.ofMinutes(5)),
        RouteProperties.Mode.SYNC,
        0,
        0.02,
        experiment);
  }

  private static RouteProperties.Experiment modelsVsTiers(double modelWeight, double tierWeight) {
    return new RouteProperties.Experiment(
        "mini-vs-tiers",
        RouteProperties.Sticky.END_USER,
        List.of(
            new RouteProperties.Arm("mini", modelWeight, "gpt-5-mini", "openai", null),
            new RouteProperties.Arm(
                "cheaper-tiers", tierWeight, null, null, List.of("gpt-5-nano", "gpt-5-mini"))));
  }

  private RoutePlanner planner(RouteProperties.Experiment experiment) {
    Map<String, RouteProperties.Definition> routes = new LinkedHashMap<>();
    routes.put("auto", route(experiment));
    RouteResolver resolver =
        new RouteResolver(
            new RouteProperties(routes),
            new ChatProperties(
                DataSize.ofMegabytes(4), new ChatProperties.DefaultRoute("default", "gpt-5-mini")));
    return new RoutePlanner(
        resolver,
        recording,
        new WarmPrefixes(null, null),
        new PromptCacheShaper(
            null, meters, new PromptCacheProperties(Map.of(), 1024, 0.1, 1.25, 2.0), json),
        json,
        new RequestGuardProperties(
            Duration.ofSeconds(20), Duration.ofSeconds(30), Duration.ofMillis(100)),
        meters);
  }

  private RoutePlan plan(RouteProperties.Experiment experiment, String user) {
    ObjectNode request =
        (ObjectNode)
            json.readTree(
                """
                {"model":"tokenwise/auto","messages":[{"role":"user","content":"Hi"}]}""");
    return planner(experiment)
        .plan(
            new Tenant("demo", null),
            new HttpHeaders(),
            request,
            new ExperimentArms.Keys(user, null, "req-" + user))
        .block(Duration.ofSeconds(10));
  }

  @Test
  void aModelArmServesEveryRequestOfTheArmWithoutAskingTheClassifier() {
    RoutePlan plan = plan(modelsVsTiers(1, 1e-9), "alice");

    assertThat(plan.experiment()).isEqualTo(new RoutePlan.Assignment("mini-vs-tiers", "mini"));
    assertThat(plan.servedModel()).isEqualTo("gpt-5-mini");
    assertThat(plan.request().path("model").asString()).isEqualTo("gpt-5-mini");
    assertThat(plan.tier().reason()).isEqualTo(RoutePlanner.EXPERIMENT_REASON);
    assertThat(plan.referenceModel())
        .as("the savings baseline stays the route's")
        .isEqualTo("gpt-5");
    assertThat(asked).isEmpty();
  }

  @Test
  void aTiersArmIsWhatTheClassifierChoosesAmong() {
    RoutePlan plan = plan(modelsVsTiers(1e-9, 1), "alice");

    assertThat(plan.experiment().arm()).isEqualTo("cheaper-tiers");
    assertThat(asked).containsExactly(List.of("gpt-5-nano", "gpt-5-mini"));
    assertThat(plan.servedModel()).isEqualTo("gpt-5-nano");
    assertThat(plan.route().tiers()).containsExactly("gpt-5-nano", "gpt-5-mini");
    assertThat(plan.referenceModel()).isEqualTo("gpt-5");
  }

  @Test
  void oneUserStaysOnOneArmAndTheSplitReachesBothArms() {
    RouteProperties.Experiment even = modelsVsTiers(1, 1);
    Map<String, Integer> arms = new LinkedHashMap<>();
    for (int user = 0; user < 40; user++) {
      String arm = plan(even, "user-" + user).experiment().arm();
      assertThat(plan(even, "user-" + user).experiment().arm()).isEqualTo(arm);
      arms.merge(arm, 1, Integer::sum);
    }
    assertThat(arms).containsOnlyKeys("mini", "cheaper-tiers");
  }

  @Test
  void theAnswerNamesTheExperimentAndArmAndTheUsageEventCarriesThem() {
    RoutePlan plan = plan(modelsVsTiers(1, 1e-9), "alice");
    HttpHeaders headers = new HttpHeaders();
    plan.describe(headers, null);
    assertThat(headers.getFirst(RoutePlan.EXPERIMENT_HEADER)).isEqualTo("mini-vs-tiers/mini");

    UsageEvent event =
        UsageEvents.answered(
            new UsageEvents.Request(
                "req-1",
                "demo",
                null,
                "alice",
                "auto",
                plan.referenceModel(),
                null,
                null,
                System.nanoTime(),
                null,
                plan.experiment().experiment(),
                plan.experiment().arm(),
                "shipped"),
            plan.servedModel(),
            "openai",
            UsageEvent.Mode.SYNC,
            NormalizedUsage.ZERO,
            UsageEvent.Status.OK,
            "stop");
    assertThat(event.experiment()).isEqualTo("mini-vs-tiers");
    assertThat(event.arm()).isEqualTo("mini");
    assertThat(event.routerVersion()).isEqualTo("shipped");
  }

  @Test
  void aRouteWithoutAnExperimentHasNoHeaderAndNoArm() {
    RoutePlan plan = plan(null, "alice");
    HttpHeaders headers = new HttpHeaders();
    plan.describe(headers, null);
    assertThat(plan.experiment()).isNull();
    assertThat(headers.containsHeader(RoutePlan.EXPERIMENT_HEADER)).isFalse();
  }

  @Test
  void anInvalidConfiguredExperimentStopsTheRouterNamingTheRoute() {
    RouteProperties.Experiment bad =
        new RouteProperties.Experiment(
            "bad",
            RouteProperties.Sticky.END_USER,
            List.of(
                new RouteProperties.Arm("a", 0, "gpt-5-mini", null, null),
                new RouteProperties.Arm("a", 1, "no-such-model", null, null),
                new RouteProperties.Arm("c", 1, "gpt-5-mini", "anthropic", null),
                new RouteProperties.Arm("d", 1, null, null, null)));
    assertThatThrownBy(() -> RouteTable.of(new RouteProperties(Map.of("support", route(bad)))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(
            "route 'support': experiment.arms[0].weight must be a positive number")
        .hasMessageContaining("route 'support': experiment.arms[1].name 'a' is used by another arm")
        .hasMessageContaining("arms[1].model 'no-such-model' is not a known model")
        .hasMessageContaining(
            "arms[2].provider 'anthropic' does not serve 'gpt-5-mini' (it is served by 'openai')")
        .hasMessageContaining("arms[3] must set either model or tiers");
    RouteProperties.Experiment lonely =
        new RouteProperties.Experiment(
            "lonely",
            RouteProperties.Sticky.END_USER,
            List.of(new RouteProperties.Arm("a", 1, "gpt-5-mini", null, null)));
    assertThatThrownBy(() -> RouteTable.of(new RouteProperties(Map.of("support", route(lonely)))))
        .hasMessageContaining("route 'support': experiment.arms must list at least two arms");
  }
}
