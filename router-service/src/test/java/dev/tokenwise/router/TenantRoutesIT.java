package dev.tokenwise.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestServers;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tenants' own route files through the admin API, with two router replicas sharing one Redis: a
 * tenant's definition of a route serves its requests on the other replica within about a second
 * while other tenants keep the router-wide one; tenant admins are held to their tenant; invalid
 * files change nothing; every change is audited.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers(postgres = false)
class TenantRoutesIT {

  private static final String SUPER = "admin-super-token";
  private static final SimulatorProcess simulator = SimulatorProcess.shared();
  private static ConfigurableApplicationContext replicaB;

  private static final String ACME_SUPPORT =
      """
      {"routes":{"support":{"tiers":["gpt-5-nano"],"classifier":{"type":"none"},
       "output":{"defaultMaxTokens":40}}}}""";

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    routerProperties().forEach((name, value) -> registry.add(name, () -> value));
  }

  private static Map<String, String> routerProperties() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("tokenwise.router.admin.token", SUPER);
    p.put("tokenwise.router.providers.openai.base-url", simulator.baseUrl());
    p.put("tokenwise.router.providers.openai.api-key", "sk-openai-test");
    p.put("tokenwise.router.providers.anthropic.base-url", simulator.baseUrl());
    p.put("tokenwise.router.providers.anthropic.api-key", "sk-ant-test");
    p.put("tokenwise.router.cache.enabled", "false");
    p.put("tokenwise.router.budgets.redis-timeout", "15s");
    p.put("tokenwise.router.usage.publish-timeout", "15s");
    p.put("tokenwise.router.routes.support.tiers[0]", "gpt-5-mini");
    p.put("tokenwise.router.routes.support.classifier.type", "none");
    p.put("tokenwise.router.routes.support.output.default-max-tokens", "300");
    // the poll is the fallback; announcements must carry changes well within it
    p.put("tokenwise.router.tenant-routes.poll-interval", "30s");
    return p;
  }

  @LocalServerPort int port;
  @Autowired JsonMapper json;
  @Autowired ReactiveStringRedisTemplate redis;
  WebTestClient replicaA;
  WebTestClient replicaBClient;

  @BeforeAll
  static void startSecondReplica() throws IOException {
    replicaB = RouterReplica.start(routerProperties(), "routes-replica-b");
  }

  @AfterAll
  static void stopSecondReplica() {
    if (replicaB != null) {
      replicaB.close();
    }
  }

  @BeforeEach
  void setUp() {
    replicaA = client(port);
    replicaBClient = client(RouterReplica.port(replicaB));
    // the replicas hold the files of earlier tests in memory: removing them announces it
    for (String tenant : List.of("acme", "globex")) {
      call(replicaA, HttpMethod.DELETE, "/admin/tenants/" + tenant + "/routes", SUPER, null)
          .expectBody()
          .returnResult();
    }
    TestServers.redis().flushAll();
  }

  /**
   * Tenant admin A puts a file redefining {@code support}; A's requests on replica B are served by
   * A's definition within about a second, B's tenant keeps the router-wide one; deleting the file
   * restores the router-wide route; each change is in the audit log.
   */
  @Test
  void aTenantsRouteFileServesItsRequestsOnEveryReplicaAndOnlyItsOwn() {
    String acmeAdmin = adminToken("acme");
    String acmeKey = mintKey("acme");
    String globexKey = mintKey("globex");
    assertThat(served(replicaBClient, acmeKey)).isEqualTo("gpt-5-mini 300");

    JsonNode put =
        json.readTree(
            body(
                call(
                        replicaA,
                        HttpMethod.PUT,
                        "/admin/tenants/acme/routes",
                        acmeAdmin,
                        ACME_SUPPORT)
                    .expectStatus()
                    .isOk()));
    assertThat(put.path("version").asLong()).isEqualTo(1);
    assertThat(put.path("routes").path("support").path("tiers").get(0).asString())
        .isEqualTo("gpt-5-nano");

    await()
        .atMost(Duration.ofSeconds(1))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> served(replicaBClient, acmeKey).equals("gpt-5-nano 40"));
    assertThat(served(replicaA, acmeKey)).isEqualTo("gpt-5-nano 40");
    assertThat(served(replicaBClient, globexKey)).isEqualTo("gpt-5-mini 300");

    var read = call(replicaBClient, HttpMethod.GET, "/admin/tenants/acme/routes", acmeAdmin, null);
    byte[] readBody =
        read.expectStatus()
            .isOk()
            .expectHeader()
            .valueEquals("ETag", "\"1\"")
            .expectBody()
            .returnResult()
            .getResponseBody();
    JsonNode file = json.readTree(readBody);
    assertThat(file.path("setBy").asString()).startsWith("adm_");
    assertThat(file.has("setAt")).isTrue();

    // one route changed by name; the file's version moves on
    call(
            replicaA,
            HttpMethod.PUT,
            "/admin/tenants/acme/routes/support",
            acmeAdmin,
            "{\"tiers\":[\"gpt-5\"],\"classifier\":{\"type\":\"none\"}}")
        .expectStatus()
        .isOk()
        .expectHeader()
        .valueEquals("ETag", "\"2\"");
    await()
        .atMost(Duration.ofSeconds(1))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> served(replicaBClient, acmeKey).startsWith("gpt-5 "));

    call(replicaA, HttpMethod.DELETE, "/admin/tenants/acme/routes", acmeAdmin, null)
        .expectStatus()
        .isOk();
    await()
        .atMost(Duration.ofSeconds(1))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> served(replicaBClient, acmeKey).equals("gpt-5-mini 300"));
    call(replicaA, HttpMethod.GET, "/admin/tenants/acme/routes", acmeAdmin, null)
        .expectStatus()
        .isNotFound();

    List<String> actions = new ArrayList<>();
    audit(acmeAdmin, "")
        .path("entries")
        .forEach(e -> actions.add(e.path("action").asString() + " " + e.path("target").asString()));
    assertThat(actions)
        .startsWith(
            "tenant.routes.delete acme", "tenant.route.put support", "tenant.routes.put acme");
  }

  /** A tenant admin can neither put, read nor delete another tenant's file; nothing changes. */
  @Test
  void aTenantAdminActsOnItsOwnRouteFileOnly() {
    String acmeAdmin = adminToken("acme");
    call(replicaA, HttpMethod.PUT, "/admin/tenants/globex/routes", SUPER, ACME_SUPPORT)
        .expectStatus()
        .isOk();
    call(replicaA, HttpMethod.PUT, "/admin/tenants/globex/routes", acmeAdmin, ACME_SUPPORT)
        .expectStatus()
        .isForbidden();
    call(replicaA, HttpMethod.GET, "/admin/tenants/globex/routes", acmeAdmin, null)
        .expectStatus()
        .isForbidden();
    call(replicaA, HttpMethod.DELETE, "/admin/tenants/globex/routes", acmeAdmin, null)
        .expectStatus()
        .isForbidden();
    call(replicaA, HttpMethod.PUT, "/admin/tenants/globex/routes/support", acmeAdmin, "{}")
        .expectStatus()
        .isForbidden();
    JsonNode file =
        json.readTree(
            body(call(replicaA, HttpMethod.GET, "/admin/tenants/globex/routes", SUPER, null)));
    assertThat(file.path("version").asLong()).isEqualTo(1);
    assertThat(file.path("setBy").asString()).isEqualTo("super-admin");
  }

  /**
   * Invalid files are 400s (413 when too large) naming the route and the problem; none is stored or
   * audited. A YAML file is accepted with a YAML content type.
   */
  @Test
  void anInvalidRouteFileIsRefusedNamingTheProblemAndChangesNothing() {
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("{\"routes\":{\"support\":{\"teirs\":[\"gpt-5\"]}}}", "teirs");
    cases.put(
        """
        {"routes":{"support":{"tiers":["gpt-5-nano"],"experiment":{"name":"x","arms":[
         {"name":"a","model":"gpt-5-nano"},{"name":"b","model":"gpt-nope"}]}}}}""",
        "route 'support': experiment.arms[1].model 'gpt-nope' is not a known model");
    cases.put(
        "{\"routes\":{\"support\":{\"classifier\":{\"type\":\"psychic\"}}}}",
        "route 'support': classifier.type");
    cases.put(
        "{\"routes\":{\"support\":{\"classifier\":{\"modelPath\":\"/etc/passwd\"}}}}",
        "model-path is not allowed");
    // cache-service's ranges for its semantic-cache policy (SemanticPolicy)
    cases.put(
        "{\"routes\":{\"support\":{\"cache\":{\"grayZoneWidth\":1.5}}}}",
        "route 'support': cache.gray-zone-width must be within [0, 1)");
    cases.put("{\"routes\":{\"support\":", "not valid JSON");
    cases.put("{\"routes\":{}}", "only 'routes'");
    cases.put("{\"routes\":{\"a\":{}},\"colour\":1}", "colour");
    cases.forEach(
        (body, problem) ->
            call(replicaA, HttpMethod.PUT, "/admin/tenants/acme/routes", SUPER, body)
                .expectStatus()
                .isBadRequest()
                .expectHeader()
                .contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.title")
                .value(title -> assertThat(title.toString()).as(body).contains(problem)));
    // one route of the file, as PUT /admin/tenants/{tenant}/routes/{route}, is checked the same
    call(
            replicaA,
            HttpMethod.PUT,
            "/admin/tenants/acme/routes/support",
            SUPER,
            "{\"cache\":{\"promotion-threshold\":0}}")
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.title")
        .value(
            title ->
                assertThat(title.toString())
                    .contains("route 'support': cache.promotion-threshold must be within (0, 1]"));
    String big =
        "{\"routes\":{\"support\":{\"tiers\":[\"gpt-5\"],\"json-schema-name\":\""
            + "x".repeat(300 * 1024)
            + "\"}}}";
    call(replicaA, HttpMethod.PUT, "/admin/tenants/acme/routes", SUPER, big)
        .expectStatus()
        .isEqualTo(413);

    assertThat(redis.hasKey("tokenwise:admin:routes:acme").block()).isFalse();
    assertThat(audit(SUPER, "").path("entries").size()).isZero();

    // a file of up to 256 KiB is accepted: more than other admin bodies may be
    String large =
        "{\"routes\":{\"support\":{\"tiers\":[\"gpt-5\"],\"json-schema\":"
            + json.writeValueAsString(
                "{\"type\":\"object\",\"description\":\"" + "y".repeat(100 * 1024) + "\"}")
            + "}}}";
    call(replicaA, HttpMethod.PUT, "/admin/tenants/acme/routes", SUPER, large)
        .expectStatus()
        .isOk();
    replicaA
        .put()
        .uri("/admin/tenants/acme/routes")
        .header(HttpHeaders.AUTHORIZATION, "Bearer " + SUPER)
        .contentType(MediaType.parseMediaType("application/yaml"))
        .bodyValue(
            "routes:\n  support:\n    tiers: [gpt-5-nano]\n    output:\n      max-tokens: 50\n")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.routes.support.output['max-tokens']")
        .isEqualTo(50);
    assertThat(audit(SUPER, "").path("entries").size()).isEqualTo(2);
  }

  /** The served model and output cap of a chat request on the {@code support} route. */
  private String served(WebTestClient client, String key) {
    HttpHeaders headers =
        client
            .post()
            .uri("/v1/chat/completions")
            .header("Authorization", "Bearer " + key)
            .header("Tokenwise-Route", "support")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(
                "{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
            .exchange()
            .expectStatus()
            .isOk()
            .returnResult(byte[].class)
            .getResponseHeaders();
    String cap = headers.getFirst("Tokenwise-Output-Cap");
    return headers.getFirst("Tokenwise-Model")
        + " "
        + (cap == null ? "none" : cap.substring(0, cap.indexOf(' ')));
  }

  private String adminToken(String tenant) {
    return json.readTree(
            body(
                call(
                        replicaA,
                        HttpMethod.POST,
                        "/admin/admin-tokens",
                        SUPER,
                        "{\"tenant\":\"" + tenant + "\"}")
                    .expectStatus()
                    .isCreated()))
        .path("token")
        .asString();
  }

  private String mintKey(String tenant) {
    return json.readTree(
            body(
                call(
                        replicaA,
                        HttpMethod.POST,
                        "/admin/keys",
                        SUPER,
                        "{\"tenant\":\"" + tenant + "\"}")
                    .expectStatus()
                    .isCreated()))
        .path("key")
        .asString();
  }

  private JsonNode audit(String token, String query) {
    return json.readTree(body(call(replicaA, HttpMethod.GET, "/admin/audit" + query, token, null)));
  }

  private static WebTestClient.ResponseSpec call(
      WebTestClient client, HttpMethod method, String uri, String token, String body) {
    WebTestClient.RequestBodySpec spec = client.method(method).uri(uri);
    if (token != null) {
      spec.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      spec.contentType(MediaType.APPLICATION_JSON).bodyValue(body);
    }
    return spec.exchange();
  }

  private static byte[] body(WebTestClient.ResponseSpec response) {
    return response.expectBody().returnResult().getResponseBody();
  }

  private static WebTestClient client(int port) {
    return WebTestClient.bindToServer()
        .baseUrl("http://localhost:" + port)
        .responseTimeout(Duration.ofSeconds(60))
        .build();
  }
}
