package dev.tokenwise.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestServers;
import dev.tokenwise.common.usage.UsageStream;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import java.time.Duration;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * One request's trace, exported by OTLP to a local receiver, is connected: the router's server span
 * is the root; the cache-service lookup and the provider's HTTP call are its client spans and sent
 * their {@code traceparent} upstream (a stub cache-service and provider); the provider call's GenAI
 * span carries the OpenTelemetry GenAI attributes; and the usage event in the Redis stream carries
 * the server span's {@code traceparent}, which cost-service's ingest span continues.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "management.tracing.sampling.probability=1.0",
      "management.opentelemetry.tracing.export.otlp.compression=none"
    })
@RealServers(postgres = false)
class TracingIT {

  private static final String KEY = "tw-trace-test-key";
  private static final StubUpstream upstream = new StubUpstream();
  private static final OtlpReceiver receiver = new OtlpReceiver();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("tokenwise.router.tenants[0].id", () -> "acme");
    registry.add("tokenwise.router.tenants[0].app", () -> "checkout");
    registry.add(
        "tokenwise.router.tenants[0].key-hashes[0]", () -> VirtualKeyAuthenticator.hash(KEY));
    registry.add("tokenwise.router.providers.openai.base-url", upstream::baseUrl);
    registry.add("tokenwise.router.providers.openai.api-key", () -> "sk-provider-test");
    registry.add("tokenwise.router.cache.base-url", upstream::baseUrl);
    registry.add("management.opentelemetry.tracing.export.otlp.endpoint", receiver::endpoint);
  }

  @LocalServerPort int port;
  @Autowired ReactiveStringRedisTemplate redis;

  @BeforeEach
  void setUp() {
    TestServers.redis().start();
    TestServers.redis().flushAll();
    upstream.reset();
  }

  @AfterAll
  static void stop() {
    upstream.close();
    receiver.close();
  }

  @Test
  void oneRequestIsOneConnectedTrace() {
    send(
        """
        {"model":"gpt-5-mini","messages":[{"role":"user","content":"trace me"}]}""");

    OtlpReceiver.Span server = serverSpanOfTheUsageEvent();
    String traceId = server.traceId();

    OtlpReceiver.Span lookup =
        awaitSpan(
            childOf(server)
                .and(s -> s.kind() == OtlpReceiver.Span.CLIENT)
                .and(s -> String.valueOf(s.attributes().get("http.url")).endsWith("/lookup")),
            "the cache-service lookup's client span");
    assertThat(upstream.cacheLookups)
        .singleElement()
        .extracting(StubUpstream.Call::traceparent)
        .isEqualTo("00-" + traceId + "-" + lookup.spanId() + "-01");

    OtlpReceiver.Span http =
        awaitSpan(
            childOf(server)
                .and(s -> s.kind() == OtlpReceiver.Span.CLIENT)
                .and(
                    s ->
                        String.valueOf(s.attributes().get("http.url"))
                            .endsWith("/v1/chat/completions")),
            "the provider's HTTP client span");
    assertThat(upstream.providerCalls)
        .singleElement()
        .extracting(StubUpstream.Call::traceparent)
        .isEqualTo("00-" + traceId + "-" + http.spanId() + "-01");

    OtlpReceiver.Span chat =
        awaitSpan(
            childOf(server).and(s -> s.name().equals("chat gpt-5-mini")),
            "the provider call's GenAI span");
    assertThat(chat.kind()).isEqualTo(OtlpReceiver.Span.CLIENT);
    assertThat(chat.attributes())
        .containsEntry("gen_ai.operation.name", "chat")
        .containsEntry("gen_ai.provider.name", "openai")
        .containsEntry("gen_ai.request.model", "gpt-5-mini")
        .containsEntry("gen_ai.response.model", "gpt-5-mini-2025-08-07")
        .containsEntry("gen_ai.usage.input_tokens", 20L)
        .containsEntry("gen_ai.usage.output_tokens", 5L);
  }

  @Test
  void aStreamedAnswersGenAiSpanEndsWithItsUsage() {
    send(
        """
        {"model":"gpt-5-mini","stream":true,"messages":[{"role":"user","content":"stream me"}]}""");

    OtlpReceiver.Span server = serverSpanOfTheUsageEvent();
    OtlpReceiver.Span chat =
        awaitSpan(
            childOf(server).and(s -> s.name().equals("chat gpt-5-mini")),
            "the streamed call's GenAI span");
    assertThat(chat.attributes())
        .containsEntry("gen_ai.response.model", "gpt-5-mini-2025-08-07")
        .containsEntry("gen_ai.usage.input_tokens", 30L)
        .containsEntry("gen_ai.usage.output_tokens", 2L);
  }

  private void send(String body) {
    WebTestClient.bindToServer()
        .baseUrl("http://localhost:" + port)
        .responseTimeout(Duration.ofSeconds(20))
        .build()
        .post()
        .uri("/v1/chat/completions")
        .header("Authorization", "Bearer " + KEY)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(body)
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .returnResult();
  }

  /**
   * The request's one usage event carries a sampled {@code traceparent}; the span it names is the
   * router's server span, the root of the trace.
   */
  private OtlpReceiver.Span serverSpanOfTheUsageEvent() {
    MapRecord<String, Object, Object> entry =
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    redis
                        .opsForStream()
                        .range(UsageStream.KEY, Range.unbounded())
                        .collectList()
                        .block(),
                entries -> entries.size() == 1)
            .get(0);
    String traceparent = (String) entry.getValue().get(UsageStream.TRACEPARENT);
    assertThat(traceparent).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
    String traceId = traceparent.substring(3, 35);
    String requestSpanId = traceparent.substring(36, 52);

    OtlpReceiver.Span server =
        awaitSpan(
            s -> s.traceId().equals(traceId) && s.spanId().equals(requestSpanId),
            "the router's server span named in the usage event");
    assertThat(server.kind()).isEqualTo(OtlpReceiver.Span.SERVER);
    assertThat(server.parentSpanId()).isEmpty();
    return server;
  }

  private static Predicate<OtlpReceiver.Span> childOf(OtlpReceiver.Span parent) {
    return s -> s.traceId().equals(parent.traceId()) && s.parentSpanId().equals(parent.spanId());
  }

  private static OtlpReceiver.Span awaitSpan(Predicate<OtlpReceiver.Span> match, String what) {
    return await()
        .alias(what)
        .atMost(Duration.ofSeconds(30))
        .until(() -> receiver.spans.stream().filter(match).toList(), found -> found.size() == 1)
        .get(0);
  }
}
