package dev.tokenwise.cache.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.testsupport.TestStreamSignatures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SemanticMetricsTests {

  private final SemanticMetrics metrics =
      new SemanticMetrics(
          new SimpleMeterRegistry(),
          Set.of("faq"),
          new SemanticIndexes(
              null,
              null,
              null,
              384,
              new PairVerifier(null),
              TestStreamSignatures.as(ServiceTokens.CACHE)));

  @Test
  void routesOnlyTheRouterKnowsGetTheirOwnFalseHitEstimate() {
    metrics.shadowReport("support-bot", true);
    metrics.shadowReport("support-bot", false);

    assertThat(metrics.routeTag("support-bot")).isEqualTo("support-bot");
    assertThat(metrics.falseHitEstimate("support-bot")).isEqualTo(0.5);
    assertThat(metrics.routeTag("faq")).isEqualTo("faq");
  }

  @Test
  void routeTagsStayBounded() {
    for (int i = 0; i < SemanticMetrics.MAX_SEEN_ROUTES; i++) {
      assertThat(metrics.routeTag("route-" + i)).isEqualTo("route-" + i);
    }

    assertThat(metrics.routeTag("one-too-many")).isEqualTo("other");
    assertThat(metrics.routeTag("route-0"))
        .as("admitted routes keep their tag")
        .isEqualTo("route-0");
    assertThat(metrics.routeTag("faq")).as("configured routes always have theirs").isEqualTo("faq");
    assertThat(metrics.routeTag("bad route {name}")).isEqualTo("other");
  }
}
