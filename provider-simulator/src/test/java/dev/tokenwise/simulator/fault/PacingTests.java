package dev.tokenwise.simulator.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;

class PacingTests {

  final FaultPlanner planner =
      new FaultPlanner(
          new FaultProperties(Map.of(), Duration.ofSeconds(1), Duration.ofSeconds(1), 3, null),
          new LatencyProperties(Duration.ofMillis(200), 50));

  @Test
  void configuredLatencyAppliesUnlessAHeaderOverridesIt() {
    HttpHeaders headers = new HttpHeaders();
    assertThat(planner.pacingFor(headers)).isEqualTo(new Pacing(Duration.ofMillis(200), 50));

    headers.set(FaultPlanner.LATENCY_HEADER, "1500");
    headers.set(FaultPlanner.SPEED_HEADER, "10");
    assertThat(planner.pacingFor(headers)).isEqualTo(new Pacing(Duration.ofMillis(1500), 10));
  }

  @Test
  void outputTakesTokensOverSpeedAndNothingWhenUnlimited() {
    assertThat(new Pacing(Duration.ZERO, 10).forTokens(25)).isEqualTo(Duration.ofMillis(2500));
    assertThat(new Pacing(Duration.ZERO, 0).forTokens(25)).isZero();
  }
}
