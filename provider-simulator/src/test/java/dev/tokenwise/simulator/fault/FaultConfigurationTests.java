package dev.tokenwise.simulator.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenwise.simulator.SimulatorHttp;
import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Faults by configured rate, and the slow first byte a client's timeout must catch. */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "tokenwise.simulator.faults.rates.500=1.0",
      "tokenwise.simulator.faults.slow-first-byte=5s"
    })
class FaultConfigurationTests {

  static final String OPENAI =
      "{\"model\":\"gpt-5\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @LocalServerPort int port;

  SimulatorHttp http;

  @BeforeEach
  void http() {
    http = new SimulatorHttp(port);
  }

  @Test
  void aRateOfOneFailsEveryRequestUnlessTheHeaderSaysNone() throws IOException {
    assertThat(http.send(http.openAi(OPENAI)).statusCode()).isEqualTo(500);
    assertThat(http.send(http.openAi(OPENAI, "x-simulator-fault", "none")).statusCode())
        .isEqualTo(200);
  }

  @Test
  void slowFirstByteOutlastsAShortClientTimeout() {
    assertThatThrownBy(
            () ->
                http.send(
                    http.openAi(OPENAI, "x-simulator-fault", "slow-first-byte")
                        .timeout(Duration.ofMillis(500))))
        .isInstanceOf(HttpTimeoutException.class);
  }
}
