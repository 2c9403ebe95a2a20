package dev.tokenwise.router.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.router.route.RouteProperties;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class CacheQueryTests {

  private final JsonMapper json = JsonMapper.builder().build();
  private final ObjectNode request =
      (ObjectNode)
          json.readTree(
              "{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

  private JsonNode body(RouteProperties.Cache cache, String cacheControl, String learned) {
    return json.valueToTree(
        new CacheQuery("acme", "default", "gpt-5-mini", request, cache, cacheControl)
            .lookup(json.createObjectNode(), learned));
  }

  @Test
  void aRouteWithoutACacheBlockAsksForTheSemanticCacheAndLeavesTheRestToCacheService() {
    JsonNode body = body(RouteProperties.Cache.defaults(), null, null);

    assertThat(body.path("tenant").asString()).isEqualTo("acme");
    assertThat(body.path("route").asString()).isEqualTo("default");
    assertThat(body.path("model").asString()).isEqualTo("gpt-5-mini");
    assertThat(body.path("request")).isEqualTo(request);
    assertThat(body.has("cacheControl")).isFalse();
    assertThat(body.path("policy")).isEqualTo(json.readTree("{\"semantic\":true}"));
  }

  @Test
  void everyMemberTheRouteSetsIsSentUnderCacheServicesNames() {
    RouteProperties.Cache cache =
        new RouteProperties.Cache(
            true,
            true,
            0.97,
            null,
            Duration.ofMinutes(10),
            0.5,
            0.05,
            1,
            true,
            false,
            true,
            null,
            null,
            null,
            "tmpl-7",
            null,
            true,
            null);

    JsonNode policy = body(cache, "no-cache", "gpt-5-mini-2025-08-07").path("policy");

    assertThat(policy)
        .isEqualTo(
            json.readTree(
                """
                {"semantic":true,"threshold":0.97,"maxTemperature":0.5,"shadowRate":0.05,
                 "maxKeyWordDifference":1,"guards":true,"allowTimeSensitive":false,
                 "allowTools":true,"normalizeWhitespace":true,"templateVersion":"tmpl-7",
                 "modelVersion":"gpt-5-mini-2025-08-07"}"""));
  }

  /**
   * The verifier, error-bound and gray-zone members go under cache-service's names too, each only
   * when the route sets it; a route that sets none leaves them to cache-service (first test).
   */
  @Test
  void theVerifierErrorBoundAndGrayZoneMembersAreSentWhenTheRouteSetsThem() {
    RouteProperties.Cache cache =
        new RouteProperties.Cache(
            true, true, null, 0.6, null, null, null, null, null, null, null, 0.01, 0.03, 0.9, null,
            null, null, null);

    JsonNode policy = body(cache, null, null).path("policy");

    assertThat(policy)
        .isEqualTo(
            json.readTree(
                """
                {"semantic":true,"verifyThreshold":0.6,"maxFalseHitRate":0.01,
                 "grayZoneWidth":0.03,"promotionThreshold":0.9}"""));

    RouteProperties.Cache off =
        new RouteProperties.Cache(
            true, true, null, 0.0, null, null, null, null, null, null, null, 0.0, 0.0, null, null,
            null, null, null);
    assertThat(body(off, null, null).path("policy"))
        .as("0 is sent: it turns cache-service's verifier, bound and promotion off for the route")
        .isEqualTo(
            json.readTree(
                """
                {"semantic":true,"verifyThreshold":0.0,"maxFalseHitRate":0.0,
                 "grayZoneWidth":0.0}"""));
  }

  @Test
  void theUnitOfTheErrorBoundIsSentAsCacheServiceSpellsIt() {
    RouteProperties.Cache cache =
        new RouteProperties.Cache(
            true, true, null, null, null, null, null, null, null, null, null, 0.01, null, null,
            null, null, null, "Lookups");

    assertThat(body(cache, null, null).path("policy"))
        .isEqualTo(
            json.readTree(
                """
                {"semantic":true,"maxFalseHitRate":0.01,"falseHitRateOf":"lookups"}"""));
  }

  @Test
  void aConfiguredModelVersionWinsOverTheOneTheProviderReported() {
    RouteProperties.Cache cache =
        new RouteProperties.Cache(
            true,
            false,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            "pinned-1",
            null,
            null);

    JsonNode policy = body(cache, null, "gpt-5-mini-2025-08-07").path("policy");

    assertThat(policy.path("semantic").asBoolean(true)).isFalse();
    assertThat(policy.path("modelVersion").asString()).isEqualTo("pinned-1");
  }

  @Test
  void theClientsCacheControlIsForwardedVerbatimAndNoStoreIsRecognised() {
    CacheQuery query =
        new CacheQuery(
            "acme",
            "default",
            "gpt-5-mini",
            request,
            RouteProperties.Cache.defaults(),
            "max-age=0, No-Store");

    assertThat(query.lookup(json.createObjectNode(), null).cacheControl())
        .isEqualTo("max-age=0, No-Store");
    assertThat(query.noStore()).isTrue();
    assertThat(withCacheControl("no-cache").noStore()).isFalse();
    assertThat(withCacheControl(null).noStore()).isFalse();
    assertThat(withCacheControl("no-storefront").noStore()).isFalse();
  }

  private CacheQuery withCacheControl(String header) {
    return new CacheQuery(
        "acme", "default", "gpt-5-mini", request, RouteProperties.Cache.defaults(), header);
  }

  @Test
  void theReportedSnapshotIsRememberedPerModel() {
    ModelVersions versions = new ModelVersions();
    versions.answered("gpt-5-mini", "gpt-5-mini-2025-08-07");
    versions.answered("gpt-5-mini", " ");

    assertThat(versions.of("gpt-5-mini")).isEqualTo("gpt-5-mini-2025-08-07");
    assertThat(versions.of("gpt-5")).isNull();
  }
}
