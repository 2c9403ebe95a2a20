package dev.tokenwise.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildProcessTests {

  @TempDir Path temp;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void aChildThatDiesIsReportedWithTheEndOfItsLog() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    try (ChildProcess child =
        start(List.of(java, "-cp", temp.toString(), "dev.tokenwise.NoSuchService"))) {

      assertThatThrownBy(() -> child.awaitReady(http, Instant.now().plusSeconds(60)))
          .isInstanceOf(SuiteStartupException.class)
          .hasMessageContaining("router-service exited with code 1")
          .hasMessageContaining("dev.tokenwise.NoSuchService")
          .hasMessageContaining(child.logFile().toString());
    }
  }

  @Test
  void aChildThatNeverBecomesReadyTimesOut() throws Exception {
    // Alive, but never answering the readiness probe.
    try (ChildProcess child = start(List.of("sleep", "30"))) {
      assertThatThrownBy(() -> child.awaitReady(http, Instant.now().plus(Duration.ofSeconds(2))))
          .isInstanceOf(SuiteStartupException.class)
          .hasMessageContaining("did not become ready");
      assertThat(child.isAlive()).isTrue();
      child.requestStop();
      child.awaitStop(Duration.ofSeconds(10));
      assertThat(child.isAlive()).isFalse();
    }
  }

  private ChildProcess start(List<String> command) throws Exception {
    return ChildProcess.start(
        Service.ROUTER,
        Ports.allFree().forService(Service.ROUTER),
        command,
        Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin")),
        temp.resolve("work"),
        temp.resolve("logs").resolve("router-service.log"));
  }
}
