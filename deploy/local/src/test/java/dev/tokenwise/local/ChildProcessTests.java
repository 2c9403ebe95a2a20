package dev.tokenwise.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
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

  @Test
  void anotherProcessAnsweringOnThePortIsNotMistakenForTheChild() throws Exception {
    HttpServer impostor = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    impostor.createContext(
        "/",
        exchange -> {
          byte[] body = "{\"status\":\"UP\"}".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    impostor.start();
    try (ChildProcess child = start(List.of("sleep", "30"), impostor.getAddress().getPort())) {
      assertThatThrownBy(() -> child.awaitReady(http, Instant.now().plus(Duration.ofSeconds(2))))
          .isInstanceOf(SuiteStartupException.class)
          .hasMessageContaining("another process answers on port");
    } finally {
      impostor.stop(0);
    }
  }

  private ChildProcess start(List<String> command) throws Exception {
    return start(command, Ports.allFree().forService(Service.ROUTER));
  }

  private ChildProcess start(List<String> command, int port) throws Exception {
    return ChildProcess.start(
        Service.ROUTER,
        port,
        "launch-" + port,
        command,
        Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin")),
        temp.resolve("work"),
        temp.resolve("logs").resolve("router-service.log"));
  }
}
