package dev.tokenwise.common.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ServiceTokensTests {

  private static final String SECRET = "0123456789abcdef0123456789abcdef";
  private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

  private final ServiceTokens router = tokens(SECRET, ServiceTokens.ROUTER, NOW);
  private final ServiceTokens cache = tokens(SECRET, ServiceTokens.CACHE, NOW);

  @Test
  void aTokenNamesItsCallerAndTenantToTheServiceItWasMintedFor() {
    ServiceCaller caller = cache.verify(router.mint(ServiceTokens.CACHE, "acme.eu"));

    assertThat(caller).isEqualTo(new ServiceCaller(ServiceTokens.ROUTER, "acme.eu"));
    assertThat(caller.mayActFor("acme.eu")).isTrue();
    assertThat(caller.mayActFor("other")).isFalse();
  }

  @Test
  void aTokenForAnotherServiceIsRefused() {
    String forCost = router.mint(ServiceTokens.COST, "acme");

    assertThatThrownBy(() -> cache.verify(forCost))
        .isInstanceOfSatisfying(
            ServiceTokenException.class,
            e -> assertThat(e.code()).isEqualTo("service_token_wrong_audience"));
  }

  @Test
  void aTokenSignedWithAnotherSecretIsRefused() {
    String forged =
        tokens("another-deployment-secret-of-32-bytes", ServiceTokens.ROUTER, NOW)
            .mint(ServiceTokens.CACHE, "acme");

    assertThatThrownBy(() -> cache.verify(forged))
        .isInstanceOfSatisfying(
            ServiceTokenException.class,
            e -> assertThat(e.code()).isEqualTo("service_token_invalid"));
  }

  @Test
  void aTokenWithItsTenantChangedIsRefused() {
    String token = router.mint(ServiceTokens.CACHE, "acme");
    String[] parts = token.split("\\.");
    parts[3] =
        java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("victim".getBytes());

    assertThatThrownBy(() -> cache.verify(String.join(".", parts)))
        .isInstanceOfSatisfying(
            ServiceTokenException.class,
            e -> assertThat(e.code()).isEqualTo("service_token_invalid"));
  }

  @Test
  void anExpiredTokenIsRefused() {
    String old =
        tokens(SECRET, ServiceTokens.ROUTER, NOW.minusSeconds(120)).mint(ServiceTokens.CACHE, "a");

    assertThatThrownBy(() -> cache.verify(old))
        .isInstanceOfSatisfying(
            ServiceTokenException.class,
            e -> assertThat(e.code()).isEqualTo("service_token_expired"));
  }

  @Test
  void missingAndMalformedTokensAreRefused() {
    for (String bad : new String[] {null, "", "Bearer x", "tw1.a.b.c.d.e.f", "tw1.x.y.z.1.%%"}) {
      assertThatThrownBy(() -> cache.verify(bad)).isInstanceOf(ServiceTokenException.class);
    }
  }

  @Test
  void aShortSecretDoesNotStart() {
    assertThatThrownBy(() -> tokens("short", ServiceTokens.ROUTER, NOW))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TOKENWISE_SERVICE_SECRET");
  }

  @Test
  void endpointRulesNameTheirCallersAndTenantScope() {
    InternalEndpoints endpoints =
        InternalEndpoints.guarding("/internal/")
            .allow("POST", "/internal/cache/lookup", ServiceTokens.ROUTER)
            .allowAnyTenant("GET", "/internal/cache/stats", ServiceTokens.ROUTER)
            .build();

    assertThat(
            endpoints.authorize(
                cache, "POST", "/internal/cache/lookup", router.mint(ServiceTokens.CACHE, "t")))
        .isEqualTo(new ServiceCaller(ServiceTokens.ROUTER, "t"));
    assertThatThrownBy(
            () ->
                endpoints.authorize(
                    cache,
                    "POST",
                    "/internal/cache/lookup",
                    tokens(SECRET, ServiceTokens.BATCH, NOW).mint(ServiceTokens.CACHE, "t")))
        .isInstanceOf(CallerNotAllowedException.class);
    assertThatThrownBy(
            () ->
                endpoints.authorize(
                    cache,
                    "POST",
                    "/internal/cache/lookup",
                    router.mint(ServiceTokens.CACHE, ServiceTokens.ANY_TENANT)))
        .isInstanceOf(CallerNotAllowedException.class);
    assertThatThrownBy(
            () ->
                endpoints.authorize(
                    cache, "POST", "/internal/new", router.mint(ServiceTokens.CACHE, "t")))
        .isInstanceOf(CallerNotAllowedException.class);
  }

  private static ServiceTokens tokens(String secret, String self, Instant now) {
    return new ServiceTokens(secret, self, Clock.fixed(now, ZoneOffset.UTC));
  }
}
