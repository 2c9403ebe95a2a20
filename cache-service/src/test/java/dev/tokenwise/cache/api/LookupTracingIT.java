package dev.tokenwise.cache.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestServiceTokens;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A lookup that arrives with the router's {@code traceparent} is served in a span of that trace,
 * child of the router's client span, exported by OTLP/HTTP to a local receiver.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "management.tracing.sampling.probability=1.0",
      "management.opentelemetry.tracing.export.otlp.compression=none"
    })
@AutoConfigureWebTestClient(timeout = "30s")
@RealServers(postgres = false)
class LookupTracingIT {

  private static final List<byte[]> RECEIVED = new CopyOnWriteArrayList<>();
  private static HttpServer receiver;

  @DynamicPropertySource
  static void otlpReceiver(DynamicPropertyRegistry registry) throws IOException {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/v1/traces",
        exchange -> {
          try (var in = exchange.getRequestBody()) {
            RECEIVED.add(in.readAllBytes());
          }
          exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    receiver.start();
    registry.add(
        "management.opentelemetry.tracing.export.otlp.endpoint",
        () -> "http://127.0.0.1:" + receiver.getAddress().getPort() + "/v1/traces");
  }

  @AfterAll
  static void stop() {
    if (receiver != null) {
      receiver.stop(0);
    }
  }

  @Autowired WebTestClient client;

  @Test
  void aLookupJoinsTheCallersTrace() {
    String traceId = "0af7651916cd43dd8448eb211c80319c";
    String parentSpanId = "b7ad6b7169203331";
    client
        .post()
        .uri("/internal/cache/lookup")
        .header(
            ServiceTokens.HEADER,
            TestServiceTokens.token(ServiceTokens.ROUTER, ServiceTokens.CACHE, "trace-it"))
        .header("traceparent", "00-" + traceId + "-" + parentSpanId + "-01")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            """
            {"tenant":"trace-it","route":"default","model":"gpt-5-mini","request":\
            {"model":"gpt-5-mini","messages":[{"role":"user","content":"Hi"}]}}""")
        .exchange()
        .expectStatus()
        .isOk();

    byte[] traceBytes = HexFormat.of().parseHex(traceId);
    byte[] parentBytes = HexFormat.of().parseHex(parentSpanId);
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(RECEIVED)
                    .as("an OTLP export with a span of the caller's trace, child of its span")
                    .anySatisfy(
                        body -> {
                          assertThat(indexOf(body, traceBytes)).isNotNegative();
                          assertThat(indexOf(body, parentBytes)).isNotNegative();
                        }));
  }

  private static int indexOf(byte[] body, byte[] part) {
    outer:
    for (int i = 0; i <= body.length - part.length; i++) {
      for (int j = 0; j < part.length; j++) {
        if (body[i + j] != part[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
