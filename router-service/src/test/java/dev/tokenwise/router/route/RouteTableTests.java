package dev.tokenwise.router.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RouteTableTests {

  @TempDir Path dir;
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private RouteTable table(Path file) {
    return new RouteTable(
        new RouteProperties(Map.of()),
        new RouteFileProperties(file, Duration.ofSeconds(5)),
        meters);
  }

  @Test
  void aFileBindsLikeTheApplicationsRoutesWithTheirDefaults() throws IOException {
    Path file = dir.resolve("routes.yaml");
    Files.writeString(
        file,
        """
        tokenwise:
          router:
            routes:
              support:
                match:
                  apps: [helpdesk]
                tiers: [gpt-5-nano, gpt-5]
                classifier:
                  type: learned
                  strong-share: 0.4
                output:
                  max-tokens: 400
                mode: auto
        """);
    RouteProperties.Definition support = table(file).routes().get("support");
    assertThat(support.match().apps()).containsExactly("helpdesk");
    assertThat(support.tiers()).containsExactly("gpt-5-nano", "gpt-5");
    assertThat(support.classifier().strongShare()).isEqualTo(0.4);
    assertThat(support.output().maxTokens()).isEqualTo(400);
    assertThat(support.mode()).isEqualTo(RouteProperties.Mode.AUTO);
    assertThat(support.promptCache().enabled()).isTrue();
    assertThat(support.jsonSchemaName()).isEqualTo("answer");
  }

  @Test
  void anExperimentBindsFromTheFileAndAnInvalidOneIsRejectedNamingTheRoute() throws IOException {
    Path file = dir.resolve("routes.yaml");
    Files.writeString(
        file,
        """
        routes:
          support:
            tiers: [gpt-5-nano, gpt-5]
            experiment:
              name: nano-vs-mini
              sticky: conversation
              arms:
                - name: tiers
                  weight: 3
                  tiers: [gpt-5-nano, gpt-5-mini]
                - name: mini
                  model: gpt-5-mini
                  provider: openai
        """);
    RouteTable table = table(file);
    RouteProperties.Experiment experiment = table.routes().get("support").experiment();
    assertThat(experiment.name()).isEqualTo("nano-vs-mini");
    assertThat(experiment.sticky()).isEqualTo(RouteProperties.Sticky.CONVERSATION);
    assertThat(experiment.arms())
        .extracting(RouteProperties.Arm::name)
        .containsExactly("tiers", "mini");
    assertThat(experiment.arms().get(0).weight()).isEqualTo(3);
    assertThat(experiment.arms().get(0).tiers()).containsExactly("gpt-5-nano", "gpt-5-mini");
    assertThat(experiment.arms().get(1).weight()).as("default weight").isEqualTo(1);
    assertThat(experiment.arms().get(1).model()).isEqualTo("gpt-5-mini");

    Files.writeString(
        file,
        "routes:\n  support:\n    experiment:\n      name: x\n      arms:\n"
            + "        - {name: a, model: gpt-5-mini}\n        - {name: b, model: gtp-5}\n");
    assertThat(table.reload(true)).isFalse();
    assertThat(table.routes().get("support").experiment().name()).isEqualTo("nano-vs-mini");
  }

  @Test
  void aChangedFileIsAppliedOnceItReadsTheSameTwice() throws IOException {
    Path file = dir.resolve("routes.yaml");
    Files.writeString(file, "routes:\n  a:\n    tiers: [gpt-5-nano, gpt-5]\n");
    RouteTable table = table(file);
    Files.writeString(file, "routes:\n  b:\n    tiers: [gpt-5-mini, gpt-5]\n");

    assertThat(table.reload(false)).isTrue();
    assertThat(table.routes()).containsOnlyKeys("a");
    assertThat(table.reload(false)).isTrue();
    assertThat(table.routes()).containsOnlyKeys("b");
    assertThat(meters.get(RouteTable.RELOADS_METRIC).tag("outcome", "ok").counter().count())
        .isEqualTo(2);
  }

  @Test
  void anInvalidFileKeepsTheRoutesAndIsCountedOnce() throws IOException {
    Path file = dir.resolve("routes.yaml");
    Files.writeString(file, "routes:\n  a:\n    tiers: [gpt-5-nano, gpt-5]\n");
    RouteTable table = table(file);

    for (String invalid :
        new String[] {
          "routes:\n  a:\n    tiers: [gpt-5-nano\n",
          "routes:\n  a:\n    mode: sideways\n",
          "routes:\n  a:\n    classifier:\n      strong-share: 1.5\n",
          "routes:\n  a:\n    json-schema: '{not json'\n",
          "nothing: here\n"
        }) {
      Files.writeString(file, invalid);
      assertThat(table.reload(true)).as(invalid).isFalse();
      assertThat(table.reload(false)).isFalse();
      assertThat(table.routes().get("a").tiers()).containsExactly("gpt-5-nano", "gpt-5");
      assertThat(meters.get(RouteTable.FAILING_METRIC).gauge().value()).isEqualTo(1);
    }
    assertThat(meters.get(RouteTable.RELOADS_METRIC).tag("outcome", "error").counter().count())
        .isEqualTo(5);

    Files.delete(file);
    assertThat(table.reload(true)).isFalse();
    assertThat(table.routes()).containsOnlyKeys("a");
  }

  @Test
  void theRouterDoesNotStartOnAnInvalidFile() throws IOException {
    Path file = dir.resolve("routes.yaml");
    Files.writeString(file, "routes:\n  a:\n    classifier:\n      type: psychic\n");
    assertThatThrownBy(() -> table(file))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not valid");
  }

  /**
   * The check the route file gets, reused for tenants' files: JSON (which is YAML) binds with
   * camelCase or kebab-case members alike, and a member no route has is a problem naming it.
   */
  @Test
  void aJsonFileIsCheckedLikeAYamlOneAndAnUnknownMemberIsAProblem() {
    RouteTable table = RouteTable.of(new RouteProperties(Map.of()));
    Map<String, RouteProperties.Definition> routes =
        table.check(
            """
            {"routes":{"support":{"tiers":["gpt-5-nano"],"output":{"maxTokens":64},            "json-schema-name":"reply","classifier":{"type":"none"}}}}"""
                .getBytes(StandardCharsets.UTF_8));
    assertThat(routes.get("support").tiers()).containsExactly("gpt-5-nano");
    assertThat(routes.get("support").output().maxTokens()).isEqualTo(64);
    assertThat(routes.get("support").jsonSchemaName()).isEqualTo("reply");

    assertThatThrownBy(
            () ->
                table.check(
                    "{\"routes\":{\"support\":{\"teirs\":[\"gpt-5\"]}}}"
                        .getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(RouteTable.InvalidRoutes.class)
        .hasMessageContaining("teirs");
    assertThatThrownBy(
            () ->
                table.check(
                    "{\"routes\":{\"support\":{\"classifier\":{\"type\":\"psychic\"}}}}"
                        .getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(RouteTable.InvalidRoutes.class)
        .hasMessageContaining("route 'support': classifier.type");
  }

  /**
   * The semantic-cache members cache-service checks are checked here too, with its ranges, so a
   * route cannot send a policy with which cache-service would fail every lookup: in a route file
   * (the tenants' too) the problem names the route and the member; among the configured routes the
   * router does not start.
   */
  @Test
  void semanticCacheMembersOutsideCacheServicesRangesAreProblemsNamingTheMember() {
    RouteTable table = RouteTable.of(new RouteProperties(Map.of()));
    RouteProperties.Cache inRange =
        table
            .check(
                """
                {"routes":{"support":{"cache":{"verifyThreshold":0,"max-false-hit-rate":0.01,
                 "grayZoneWidth":0.05,"promotion-threshold":1}}}}"""
                    .getBytes(StandardCharsets.UTF_8))
            .get("support")
            .cache();
    assertThat(inRange.verifyThreshold()).isZero();
    assertThat(inRange.maxFalseHitRate()).isEqualTo(0.01);
    assertThat(inRange.grayZoneWidth()).isEqualTo(0.05);
    assertThat(inRange.promotionThreshold()).isEqualTo(1);

    Map<String, String> outOfRange =
        Map.of(
            "\"verifyThreshold\":1.5",
                "route 'support': cache.verify-threshold must be within [0, 1]",
            "\"maxFalseHitRate\":1",
                "route 'support': cache.max-false-hit-rate must be within [0, 1)",
            "\"gray-zone-width\":-0.1",
                "route 'support': cache.gray-zone-width must be within [0, 1)",
            "\"promotionThreshold\":0",
                "route 'support': cache.promotion-threshold must be within (0, 1]",
            "\"false-hit-rate-of\":\"answers\"",
                "route 'support': cache.false-hit-rate-of must be hits or lookups, was 'answers'");
    outOfRange.forEach(
        (member, problem) ->
            assertThatThrownBy(
                    () ->
                        table.check(
                            ("{\"routes\":{\"support\":{\"cache\":{" + member + "}}}}")
                                .getBytes(StandardCharsets.UTF_8)))
                .as(member)
                .isInstanceOf(RouteTable.InvalidRoutes.class)
                .hasMessageContaining(problem));

    RouteProperties.Cache wide =
        new RouteProperties.Cache(
            true, true, null, null, null, null, null, null, null, null, null, null, 1.0, null, null,
            null, null, null);
    RouteProperties.Definition configured =
        new RouteProperties.Definition(
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            "answer",
            wide,
            null,
            RouteProperties.Mode.SYNC,
            0,
            0.02);
    assertThatThrownBy(() -> RouteTable.of(new RouteProperties(Map.of("gray", configured))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("tokenwise.router.routes")
        .hasMessageContaining("route 'gray': cache.gray-zone-width must be within [0, 1)");
  }

  /**
   * A tenant's own routes replace the router-wide ones of the same name for its requests only, and
   * follow a reload of the router-wide routes.
   */
  @Test
  void aTenantsOwnRoutesWinForItsRequestsOnly() throws IOException {
    Path file = dir.resolve("routes.yaml");
    Files.writeString(
        file, "routes:\n  support:\n    tiers: [gpt-5-mini]\n  docs:\n    tiers: [gpt-5]\n");
    RouteTable table = table(file);
    table.setTenantRoutes(
        "acme",
        table.check(
            "routes:\n  support:\n    tiers: [gpt-5-nano]\n  extra:\n    tiers: [gpt-5]\n"
                .getBytes(StandardCharsets.UTF_8)));

    assertThat(table.routes("acme").get("support").tiers()).containsExactly("gpt-5-nano");
    assertThat(table.routes("acme")).containsOnlyKeys("support", "docs", "extra");
    assertThat(table.routes("globex").get("support").tiers()).containsExactly("gpt-5-mini");
    assertThat(table.routes("globex")).isSameAs(table.routes());

    Files.writeString(file, "routes:\n  docs:\n    tiers: [gpt-5-nano]\n");
    assertThat(table.reload(true)).isTrue();
    assertThat(table.routes("acme").get("docs").tiers()).containsExactly("gpt-5-nano");
    assertThat(table.routes("acme").get("support").tiers()).containsExactly("gpt-5-nano");
    assertThat(meters.get(RouteTable.TENANT_FILES_METRIC).gauge().value()).isEqualTo(1);

    table.setTenantRoutes("acme", null);
    assertThat(table.routes("acme")).isSameAs(table.routes());
  }
}
