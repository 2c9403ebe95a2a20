package dev.tokenwise.simulator.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;

class FaultPropertiesTests {

  static final String CHAT = "POST /v1/chat/completions";
  static final Set<String> GPT5 = Set.of("gpt-5");

  @Test
  void ratesAreKeyedByFaultToken() {
    FaultProperties properties =
        new FaultProperties(
            Map.of("429", 0.25, "reset", 0.5), Duration.ofSeconds(2), Duration.ofSeconds(1), 3, 7L);

    assertThat(properties.faultRates())
        .containsEntry(Fault.RATE_LIMITED, 0.25)
        .containsEntry(Fault.CONNECTION_RESET, 0.5);
  }

  @Test
  void rejectsUnknownFaultsAndRatesAboveOne() {
    assertThatIllegalArgumentException()
        .isThrownBy(
            () -> new FaultProperties(Map.of("418", 0.1), Duration.ZERO, Duration.ZERO, 1, null))
        .withMessageContaining("unknown fault '418'");
    assertThatIllegalArgumentException()
        .isThrownBy(
            () ->
                new FaultProperties(
                    Map.of("500", 0.6, "503", 0.6), Duration.ZERO, Duration.ZERO, 1, null))
        .withMessageContaining("sum to at most 1");
  }

  @Test
  void aSeededPlannerDrawsTheSameFaultsEveryRun() {
    FaultProperties properties =
        new FaultProperties(
            Map.of("500", 0.5), Duration.ofSeconds(1), Duration.ofSeconds(1), 3, 42L);
    LatencyProperties latency = new LatencyProperties(Duration.ZERO, 0);
    FaultPlanner first = new FaultPlanner(properties, latency);
    FaultPlanner second = new FaultPlanner(properties, latency);
    HttpHeaders none = new HttpHeaders();

    for (int i = 0; i < 20; i++) {
      assertThat(first.faultFor(none, CHAT, GPT5)).isEqualTo(second.faultFor(none, CHAT, GPT5));
    }
    assertThat(first.injected().get("500")).isBetween(1L, 19L);
  }
}
