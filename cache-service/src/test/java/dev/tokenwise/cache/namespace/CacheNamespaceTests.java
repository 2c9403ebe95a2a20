package dev.tokenwise.cache.namespace;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CacheNamespaceTests {

  @Test
  void plainNamesStayReadable() {
    assertThat(new CacheNamespace("acme", "default", "gpt-5-mini").keySegment())
        .isEqualTo("acme:default:gpt-5-mini");
  }

  @Test
  void separatorsInsideAComponentCannotForgeAnotherNamespace() {
    String ab = new CacheNamespace("a:b", "c", "m").keySegment();
    String a = new CacheNamespace("a", "b:c", "m").keySegment();

    assertThat(ab).isNotEqualTo(a);
    assertThat(ab.split(":")).hasSize(3);
    assertThat(new CacheNamespace("a%3Ab", "c", "m").keySegment()).isNotEqualTo(ab);
  }
}
