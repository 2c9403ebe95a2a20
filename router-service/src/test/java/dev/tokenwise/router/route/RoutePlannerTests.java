package dev.tokenwise.router.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.router.chat.ChatProperties;
import dev.tokenwise.router.promptcache.PromptCacheProperties;
import dev.tokenwise.router.promptcache.PromptCacheShaper;
import dev.tokenwise.router.request.RequestGuardProperties;
import dev.tokenwise.router.routing.TierChoice;
import dev.tokenwise.router.routing.TierChooser;
import dev.tokenwise.router.routing.WarmPrefixes;
import dev.tokenwise.router.tenant.Tenant;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
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
 * A tier choice that never finishes (a classifier stuck behind a saturated executor, a Redis read
 * that never answers) must not hold the request: past the routing deadline the route's fallback
 * tier serves it, named in {@code Tokenwise-Tier} and counted. Before the deadline existed, such a
 * request waited for the 20 s stage guard and was answered 503 {@code stage_timeout}.
 */
class RoutePlannerTests {

  private final JsonMapper json = JsonMapper.builder().build();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  /** A classifier that never answers. */
  private final TierChooser stuck =
      new TierChooser(json) {
        @Override
        public Mono<TierChoice> choose(
            Route route, String clientModel, JsonNode request, String requestId) {
          return Mono.never();
        }
      };

  private RoutePlanner planner(TierChooser tiers) {
    RouteProperties.Definition auto =
        new RouteProperties.Definition(
            new RouteProperties.Match(null, null, List.of(Route.AUTO, Route.FAST, Route.SMART)),
            List.of("gpt-5-nano", "gpt-5"),
            "gpt-5",
            new RouteProperties.Classifier("learned", null, 0.3, null),
            null,
            new RouteProperties.Output(null, null),
            null,
            "answer",
            RouteProperties.Cache.defaults(),
            new RouteProperties.PromptCache(false, "auto", 0.3, false, Duration.ofMinutes(5)),
            RouteProperties.Mode.SYNC,
            0,
            0.02);
    RouteResolver resolver =
        new RouteResolver(
            new RouteProperties(Map.of("auto", auto)),
            new ChatProperties(
                DataSize.ofMegabytes(4), new ChatProperties.DefaultRoute("default", "gpt-5-mini")));
    return new RoutePlanner(
        resolver,
        tiers,
        new WarmPrefixes(null, null),
        new PromptCacheShaper(
            null, meters, new PromptCacheProperties(Map.of(), 1024, 0.1, 1.25, 2.0), json),
        json,
        new RequestGuardProperties(
            Duration.ofSeconds(20), Duration.ofSeconds(30), Duration.ofMillis(100)),
        meters);
  }

  private RoutePlan plan(TierChooser tiers, String model) {
    ObjectNode request =
        (ObjectNode)
            json.readTree(
                """
                {"model":"%s","messages":[{"role":"user","content":"Prove that 17 is prime."}]}"""
                    .formatted(model));
    return planner(tiers)
        .plan(new Tenant("demo", null), new HttpHeaders(), request)
        .block(Duration.ofSeconds(10));
  }

  @Test
  void aStuckClassifierIsAnsweredWithTheStrongestTierAfterTheDeadline() {
    RoutePlan plan = plan(stuck, Route.AUTO);

    assertThat(plan).as("planned within the deadline, not held").isNotNull();
    assertThat(plan.servedModel()).isEqualTo("gpt-5");
    assertThat(plan.request().path("model").asString()).isEqualTo("gpt-5");
    assertThat(plan.tier().reason()).isEqualTo(RoutePlanner.DEADLINE_REASON);
    assertThat(plan.tier().header()).isEqualTo("1 (routing-deadline)");
    assertThat(meters.counter(RoutePlanner.ROUTING_FALLBACKS_METRIC, "route", "auto").count())
        .isEqualTo(1);
  }

  @Test
  void tokenwiseFastKeepsItsCheapTierEvenOnTheFallback() {
    RoutePlan plan = plan(stuck, Route.FAST);

    assertThat(plan.servedModel()).isEqualTo("gpt-5-nano");
    assertThat(plan.tier().reason()).isEqualTo(RoutePlanner.DEADLINE_REASON);
  }

  @Test
  void aClassifierThatAnswersInTimeIsNotOverruled() {
    RoutePlan plan = plan(new TierChooser(json), Route.SMART);

    assertThat(plan.servedModel()).isEqualTo("gpt-5");
    assertThat(plan.tier().reason()).isEqualTo("alias-smart");
    assertThat(meters.find(RoutePlanner.ROUTING_FALLBACKS_METRIC).counter()).isNull();
  }
}
