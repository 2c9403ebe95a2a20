package dev.tokenwise.cost.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestStreamSignatures;
import dev.tokenwise.common.usage.UsageStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A usage event whose stream entry carries the producing request's {@code traceparent} is ingested
 * in a span of that trace, exported by OTLP/HTTP to a local receiver: the exported span carries the
 * request's trace id and has the request's span as its parent.
 */
@SpringBootTest(
    properties = {
      "management.tracing.sampling.probability=1.0",
      "management.opentelemetry.tracing.export.otlp.compression=none"
    })
@RealServers
class UsageTracingIT {

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

  @Autowired StringRedisTemplate redis;

  @Test
  void anEventWithATraceparentIsIngestedInThatTrace() {
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String parentSpanId = "00f067aa0ba902b7";
    UUID id = UUID.randomUUID();
    String event =
        """
        {"schemaVersion":1,"eventId":"%s","occurredAt":"%s","tenant":"trace-it",\
        "route":"traced","requestedModel":"gpt-5-mini","servedModel":"gpt-5-mini-2025-08-07",\
        "provider":"openai","mode":"sync","inputTokens":1200,"cachedInputTokens":0,\
        "outputTokens":80,"reasoningTokens":0,"latencyMs":300,"status":"ok"}"""
            .formatted(id, Instant.parse("2026-06-07T10:00:00Z"));
    redis
        .opsForStream()
        .add(
            StreamRecords.string(
                    TestStreamSignatures.sign(
                        ServiceTokens.ROUTER,
                        UsageStream.KEY,
                        Map.of(
                            UsageStream.FIELD,
                            event,
                            UsageStream.TRACEPARENT,
                            "00-" + traceId + "-" + parentSpanId + "-01")))
                .withStreamKey(UsageStream.KEY));

    byte[] traceBytes = HexFormat.of().parseHex(traceId);
    byte[] parentBytes = HexFormat.of().parseHex(parentSpanId);
    byte[] name = UsageTracing.SPAN_NAME.getBytes(StandardCharsets.UTF_8);
    byte[] eventId = id.toString().getBytes(StandardCharsets.UTF_8);
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(RECEIVED)
                    .as("an OTLP export with the ingest span of that trace")
                    .anySatisfy(
                        body -> {
                          assertThat(indexOf(body, name)).isNotNegative();
                          assertThat(indexOf(body, eventId)).isNotNegative();
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
