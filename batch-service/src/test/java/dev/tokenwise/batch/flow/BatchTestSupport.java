package dev.tokenwise.batch.flow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.batch.assemble.Assembler;
import dev.tokenwise.batch.collect.Collector;
import dev.tokenwise.batch.crash.Crashes;
import dev.tokenwise.batch.delivery.WebhookDeliverer;
import dev.tokenwise.batch.usage.UsagePublisher;
import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.security.StreamSignatures;
import dev.tokenwise.common.testsupport.TestServiceTokens;
import dev.tokenwise.common.testsupport.TestStreamSignatures;
import dev.tokenwise.common.usage.UsageStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the batch flow tests share: the fake provider, clean tables, and short-hand calls. The
 * schedule is off: tests run each step themselves.
 */
@TestPropertySource(
    properties = {
      "tokenwise.batch.scheduling.enabled=false",
      // no stray cache-service on the machine answers for these tests; CacheIT brings a stub
      "tokenwise.batch.cache.enabled=false"
    })
abstract class BatchTestSupport {

  static final String SECRET = "test-webhook-secret";

  /**
   * The private network webhooks may reach in the next context to load: this machine, where the
   * tests' receivers listen ({@code WebhookTargetsIT} narrows it for its own context).
   */
  static volatile String allowedWebhookNetwork = "127.0.0.0/8";

  static final FakeProvider provider;
  static final Path workDir;

  static {
    try {
      provider = new FakeProvider();
      workDir = Files.createTempDirectory("tokenwise-batch-test");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("tokenwise.batch.providers.openai.base-url", provider::baseUrl);
    registry.add("tokenwise.batch.providers.openai.api-key", () -> "sk-test");
    registry.add("tokenwise.batch.providers.anthropic.base-url", provider::baseUrl);
    registry.add("tokenwise.batch.providers.anthropic.api-key", () -> "sk-ant-test");
    registry.add("tokenwise.batch.webhook.secret", () -> SECRET);
    // the tests' webhook receivers listen on this machine
    registry.add("tokenwise.batch.webhook.allowed-networks[0]", () -> allowedWebhookNetwork);
    // small enough that an oversize test body stays within what Tomcat swallows after a 413
    registry.add("tokenwise.batch.intake.max-body-size", () -> "256KB");
    registry.add("tokenwise.batch.assembly.work-dir", workDir::toString);
  }

  @AfterAll
  static void keepProviderForOtherClasses() {
    // The fake provider lives as long as the JVM: Spring caches contexts that point at it.
  }

  @Autowired JdbcTemplate jdbc;
  @Autowired StringRedisTemplate redis;
  @Autowired Assembler assembler;
  @Autowired Collector collector;
  @Autowired UsagePublisher usage;
  @Autowired WebhookDeliverer webhooks;
  @Autowired Crashes crashes;

  @LocalServerPort int port;

  final JsonMapper json = JsonMapper.shared();

  @BeforeEach
  void clean() {
    crashes.disarmAll();
    provider.reset();
    jdbc.update("delete from batch.deferred_request");
    jdbc.update("delete from batch.provider_batch");
    redis.delete(UsageStream.KEY);
  }

  /**
   * A client that calls as the router does: with a service token for the tenant named in {@code
   * Tokenwise-Tenant} or the body, else for {@code acme} (the tests' tenant), unless the request
   * already carries one.
   */
  RestClient http() {
    return RestClient.builder()
        .baseUrl("http://localhost:" + port)
        .defaultStatusHandler(status -> true, (request, response) -> {})
        .requestInterceptor(
            (request, body, execution) -> {
              if (!request.getHeaders().containsHeader(ServiceTokens.HEADER)) {
                String tenant = request.getHeaders().getFirst("Tokenwise-Tenant");
                String token =
                    tenant != null
                        ? routerToken(tenant)
                        : TestServiceTokens.forBody(
                            ServiceTokens.ROUTER,
                            ServiceTokens.BATCH,
                            body.length == 0
                                ? "{\"tenant\":\"acme\"}"
                                : new String(body, java.nio.charset.StandardCharsets.UTF_8));
                request.getHeaders().set(ServiceTokens.HEADER, token);
              }
              return execution.execute(request, body);
            })
        .build();
  }

  /** The router's token for calls to batch-service acting for {@code tenant}. */
  static String routerToken(String tenant) {
    return TestServiceTokens.token(ServiceTokens.ROUTER, ServiceTokens.BATCH, tenant);
  }

  ObjectNode deferred(String provider, String clientFormat, String question) {
    ObjectNode submission = json.createObjectNode();
    submission.put("tenant", "acme");
    submission.put("route", "default");
    submission.put("provider", provider);
    submission.put("model", provider.equals("openai") ? "gpt-5-mini" : "claude-sonnet-4-5");
    submission.put("clientFormat", clientFormat);
    ObjectNode body = submission.putObject("body");
    body.put("model", clientFormat.equals("openai") ? "gpt-5-mini" : "claude-sonnet-4-5");
    if (clientFormat.equals("anthropic")) {
      body.put("max_tokens", 100);
    }
    body.putArray("messages").addObject().put("role", "user").put("content", question);
    return submission;
  }

  /** Submits a deferred request; returns its job id. */
  String submit(ObjectNode submission) {
    String answer =
        http()
            .post()
            .uri("/internal/deferred")
            .contentType(MediaType.APPLICATION_JSON)
            .body(submission.toString())
            .retrieve()
            .body(String.class);
    return json.readTree(answer).path("id").asString();
  }

  JsonNode job(String id) {
    return job(id, "acme");
  }

  /** A job as the router asks for it on behalf of {@code tenant}. */
  JsonNode job(String id, String tenant) {
    return json.readTree(
        http()
            .get()
            .uri("/v1/jobs/{id}", id)
            .header(ServiceTokens.HEADER, routerToken(tenant))
            .retrieve()
            .body(String.class));
  }

  /** The usage events on the stream, in order; each must be signed as cost-service expects. */
  List<JsonNode> usageEvents() {
    List<MapRecord<String, Object, Object>> records =
        redis.opsForStream().read(StreamOffset.fromStart(UsageStream.KEY));
    StreamSignatures verifier = TestStreamSignatures.as(ServiceTokens.COST);
    return records.stream()
        .map(
            r -> {
              Map<String, String> fields = new java.util.HashMap<>();
              r.getValue().forEach((k, v) -> fields.put((String) k, (String) v));
              StreamSignatures.Verification verification =
                  verifier.verify(UsageStream.KEY, fields, UsageStream.PRODUCERS);
              if (!verification.valid() || !ServiceTokens.BATCH.equals(verification.producer())) {
                throw new AssertionError(
                    "usage entry " + r.getId() + " not signed by batch-service: " + verification);
              }
              return json.readTree(fields.get(UsageStream.FIELD));
            })
        .toList();
  }

  /** Runs every step to the end, as the schedule would, with no waiting for ages or polls. */
  void runAll() {
    assembler.runOnce(true);
    collector.runOnce(true);
    assembler.runOnce(true);
    collector.runOnce(true);
    usage.publishPending();
    webhooks.deliverDue();
  }

  int count(String sql, Object... args) {
    Integer n = jdbc.queryForObject(sql, Integer.class, args);
    assertThat(n).isNotNull();
    return n;
  }
}
