package dev.tokenwise.cache.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InvalidationScopeTests {

  @Test
  void aScopeCoversWholeComponentsOnly() {
    InvalidationScope tenant = new InvalidationScope("acme", null, null, null);
    assertThat(tenant.covers("acme:default:gpt-5-mini")).isTrue();
    assertThat(tenant.covers("acme2:default:gpt-5-mini")).isFalse();
    InvalidationScope route = new InvalidationScope("acme", "default", null, null);
    assertThat(route.covers("acme:default:gpt-5")).isTrue();
    assertThat(route.covers("acme:support:gpt-5")).isFalse();
    assertThat(tenant.level()).isEqualTo("tenant");
    assertThat(route.level()).isEqualTo("route");
  }

  @Test
  void patternsEscapeGlobCharacters() {
    InvalidationScope scope = new InvalidationScope("a*b", "r", "m", null);
    assertThat(scope.pattern("p:")).isEqualTo("p:a\\*b:r:m:*");
    assertThat(new InvalidationScope("a:b", null, null, null).pattern("p:")).isEqualTo("p:a%3Ab:*");
    assertThat(new InvalidationScope("t", "r", "m", "ab").pattern("p:")).isEqualTo("p:t:r:m:ab");
  }
}
