package dev.tokenwise.router.cache;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The Redis key of a remembered semantic hit (the flow itself: ChatCompletionsIT, with Redis). */
class ServedSemanticHitsTests {

  @Test
  void tenantAndRequestIdCannotBeShiftedIntoAnotherTenantsKey() {
    // Tenant names may hold ':'; a feedback request id is the client's own text.
    assertThat(ServedSemanticHits.key("a", "b:c")).isNotEqualTo(ServedSemanticHits.key("a:b", "c"));
    assertThat(ServedSemanticHits.key("acme", "req-1"))
        .isEqualTo("tokenwise:router:semantic-hit:4:acme:req-1");
  }
}
