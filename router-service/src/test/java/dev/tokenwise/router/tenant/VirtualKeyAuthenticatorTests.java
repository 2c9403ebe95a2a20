package dev.tokenwise.router.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenwise.router.error.OpenAiApiException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;

class VirtualKeyAuthenticatorTests {

  private final VirtualKeyAuthenticator authenticator =
      new VirtualKeyAuthenticator(
          new TenantProperties(
              List.of(
                  new TenantProperties.TenantEntry(
                      "acme",
                      "checkout",
                      List.of(
                          VirtualKeyAuthenticator.hash("tw-acme-1"),
                          VirtualKeyAuthenticator.hash("tw-acme-2").toUpperCase())),
                  new TenantProperties.TenantEntry(
                      "globex", null, List.of(VirtualKeyAuthenticator.hash("tw-globex"))))));

  @Test
  void hashIsTheSha256HexOfTheKey() {
    // printf 'abc' | sha256sum
    assertThat(VirtualKeyAuthenticator.hash("abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void bearerKeyResolvesToItsTenant() {
    assertThat(authenticator.authenticate(bearer("tw-acme-1")))
        .isEqualTo(new Tenant("acme", "checkout"));
    assertThat(authenticator.authenticate(bearer("tw-globex")))
        .isEqualTo(new Tenant("globex", null));
  }

  @Test
  void upperCaseConfiguredHashAndSecondKeyBothWork() {
    assertThat(authenticator.authenticate(bearer("tw-acme-2")).id()).isEqualTo("acme");
  }

  @Test
  void xApiKeyHeaderIsAccepted() {
    HttpHeaders headers = new HttpHeaders();
    headers.set("x-api-key", "tw-globex");
    assertThat(authenticator.authenticate(headers).id()).isEqualTo("globex");
  }

  @Test
  void bearerSchemeIsCaseInsensitive() {
    HttpHeaders headers = new HttpHeaders();
    headers.set(HttpHeaders.AUTHORIZATION, "bearer tw-acme-1");
    assertThat(authenticator.authenticate(headers).id()).isEqualTo("acme");
  }

  @Test
  void unknownKeyIs401InvalidApiKey() {
    assertThatThrownBy(() -> authenticator.authenticate(bearer("tw-nobody")))
        .isInstanceOfSatisfying(
            OpenAiApiException.class,
            e -> {
              assertThat(e.status().value()).isEqualTo(401);
              assertThat(e.type()).isEqualTo("authentication_error");
              assertThat(e.code()).isEqualTo("invalid_api_key");
              assertThat(e.getMessage()).doesNotContain("tw-nobody");
            });
  }

  @Test
  void missingKeyIs401() {
    assertThatThrownBy(() -> authenticator.authenticate(new HttpHeaders()))
        .isInstanceOfSatisfying(
            OpenAiApiException.class, e -> assertThat(e.status().value()).isEqualTo(401));
  }

  @Test
  void malformedConfiguredHashFailsAtStartup() {
    assertThatThrownBy(
            () ->
                new VirtualKeyAuthenticator(
                    new TenantProperties(
                        List.of(
                            new TenantProperties.TenantEntry("acme", null, List.of("not-hex"))))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("SHA-256 hex");
  }

  /**
   * A remembered minted key is served until its second is up, then read again; while Redis cannot
   * be read it may be served stale for a while, but a revoked one never is.
   */
  @Test
  void rememberedMintedKeysAreFreshForTheirTimeAndStaleOnlyWhenAskedFor() {
    String hash = VirtualKeyAuthenticator.hash("tw-minted");
    StoredKey key =
        StoredKey.of(hash, new java.util.HashMap<>(java.util.Map.of("tenant", "initech")));
    authenticator.remember(key, System.nanoTime() - 1);
    assertThat(authenticator.minted(hash)).isNull();
    assertThat(authenticator.stale(hash, java.time.Duration.ofMinutes(1)).tenant().id())
        .isEqualTo("initech");
    assertThat(authenticator.stale(hash, java.time.Duration.ZERO)).isNull();

    authenticator.remember(key, System.nanoTime() + 60_000_000_000L);
    assertThat(authenticator.authenticate(bearer("tw-minted")).id()).isEqualTo("initech");
    authenticator.forget(hash);
    assertThat(authenticator.minted(hash)).isNull();

    StoredKey revoked =
        StoredKey.of(
            hash, new java.util.HashMap<>(java.util.Map.of("tenant", "initech", "revokedAt", "1")));
    authenticator.remember(revoked, System.nanoTime() - 1);
    assertThatThrownBy(() -> authenticator.stale(hash, java.time.Duration.ofMinutes(1)))
        .isInstanceOf(OpenAiApiException.class)
        .hasMessageContaining("revoked");
  }

  private static HttpHeaders bearer(String key) {
    HttpHeaders headers = new HttpHeaders();
    headers.setBearerAuth(key);
    return headers;
  }
}
