package dev.tokenwise.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestServers;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The admin API against real Redis, with two router replicas sharing it: keys minted, listed,
 * changed, rotated, expired and revoked; tenant admins held to their tenant; budgets set at run
 * time; and every change in the audit log.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers(postgres = false)
class AdminApiIT {

  private static final String SUPER = "admin-super-token";
  private static final SimulatorProcess simulator = SimulatorProcess.shared();
  private static ConfigurableApplicationContext replicaB;

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
    return p;
  }

  @LocalServerPort int port;
  @Autowired JsonMapper json;
  @Autowired ReactiveStringRedisTemplate redis;
  WebTestClient replicaA;
  WebTestClient replicaBClient;

  /** The second replica: the same application and configuration, its own port and spool. */
  @BeforeAll
  static void startSecondReplica() throws IOException {
    replicaB = RouterReplica.start(routerProperties(), "admin-replica-b");
  }

  @AfterAll
  static void stopSecondReplica() {
    if (replicaB != null) {
      replicaB.close();
    }
  }

  @BeforeEach
  void setUp() {
    TestServers.redis().flushAll();
    replicaA = client(port);
    replicaBClient = client(RouterReplica.port(replicaB));
  }

  /**
   * A key revoked through one replica is refused by the other, which had just served it from
   * memory, with a 401 saying it was revoked. The other replica drops the key when the admin change
   * message arrives, and at the latest when its memory of the key ends ({@code
   * VirtualKeyFilter.REMEMBER}, one second). The wait allows more than that: a wall-clock bound of
   * exactly one second failed on a loaded CI machine, where the polling request itself can take
   * longer than the slack it left.
   */
  @Test
  void aKeyRevokedOnOneReplicaIsRefusedByTheOther() {
    JsonNode minted = mint(SUPER, "{\"tenant\":\"acme\",\"app\":\"web\"}");
    String key = minted.path("key").asString();
    assertThat(models(replicaBClient, key).getStatus().value()).isEqualTo(200);
    assertThat(models(replicaBClient, key).getStatus().value()).isEqualTo(200);

    call(
            replicaA,
            HttpMethod.POST,
            "/admin/keys/" + minted.path("id").asString() + "/revoke",
            SUPER,
            null)
        .expectStatus()
        .isOk();

    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> models(replicaBClient, key).getStatus().value() == 401);
    JsonNode refused = json.readTree(models(replicaBClient, key).getResponseBody());
    assertThat(refused.path("error").path("code").asString()).isEqualTo("api_key_revoked");
    assertThat(refused.path("error").path("message").asString()).contains("revoked");
    assertThat(models(replicaA, key).getStatus().value()).isEqualTo(401);
  }

  /**
   * Keys are listed and read without their secret, with their tenant, app, limits and dates; a
   * change to a key's limits is applied and audited with what changed.
   */
  @Test
  void keysAreListedWithoutSecretsAndTheirLimitsCanBeChanged() {
    String expires =
        Instant.now().plus(Duration.ofDays(30)).truncatedTo(ChronoUnit.SECONDS).toString();
    JsonNode minted =
        mint(
            SUPER,
            """
            {"tenant":"acme","app":"mobile","models":["gpt-5-mini"],"replenishRate":5,
             "burstCapacity":10,"expiresAt":"%s"}"""
                .formatted(expires));
    String key = minted.path("key").asString();
    String id = minted.path("id").asString();
    assertThat(minted.path("tenant").asString()).isEqualTo("acme");
    assertThat(minted.path("status").asString()).isEqualTo("active");
    mint(SUPER, "{\"tenant\":\"globex\"}");

    byte[] listed = body(call(replicaA, HttpMethod.GET, "/admin/keys?tenant=acme", SUPER, null));
    assertThat(new String(listed)).doesNotContain(key);
    JsonNode keys = json.readTree(listed).path("keys");
    assertThat(keys.size()).isEqualTo(1);
    JsonNode one = keys.get(0);
    assertThat(one.path("id").asString()).isEqualTo(id);
    assertThat(one.path("app").asString()).isEqualTo("mobile");
    assertThat(one.path("replenishRate").asInt()).isEqualTo(5);
    assertThat(one.path("expiresAt").asString()).isEqualTo(Instant.parse(expires).toString());
    assertThat(one.has("createdAt")).isTrue();
    assertThat(one.has("key")).isFalse();
    assertThat(
            json.readTree(body(call(replicaA, HttpMethod.GET, "/admin/keys", SUPER, null)))
                .path("keys")
                .size())
        .isEqualTo(2);

    JsonNode changed =
        json.readTree(
            body(
                call(
                    replicaA,
                    HttpMethod.PATCH,
                    "/admin/keys/" + id,
                    SUPER,
                    "{\"replenishRate\":null,\"tokensPerMinute\":600,\"models\":[]}")));
    assertThat(changed.has("replenishRate")).isFalse();
    assertThat(changed.path("tokensPerMinute").asLong()).isEqualTo(600);
    assertThat(changed.path("models").size()).isZero();
    JsonNode read =
        json.readTree(body(call(replicaB(), HttpMethod.GET, "/admin/keys/" + id, SUPER, null)));
    assertThat(read.path("tokensPerMinute").asLong()).isEqualTo(600);

    JsonNode newest = audit(SUPER, "").path("entries").get(0);
    assertThat(newest.path("action").asString()).isEqualTo("key.update");
    assertThat(newest.path("admin").asString()).isEqualTo("super-admin");
    assertThat(newest.path("target").asString()).isEqualTo(id);
    assertThat(newest.path("changes").path("replenishRate").path("from").asInt()).isEqualTo(5);
    assertThat(newest.path("changes").path("tokensPerMinute").path("to").asLong()).isEqualTo(600);
    assertThat(newest.toString()).doesNotContain(key);
  }

  /**
   * Rotation returns the successor once; the old key keeps working on both replicas until the
   * overlap ends, then is refused as expired, naming its successor.
   */
  @Test
  void aRotatedKeyWorksUntilItsOverlapEnds() {
    JsonNode minted = mint(SUPER, "{\"tenant\":\"acme\"}");
    String old = minted.path("key").asString();
    JsonNode rotated =
        json.readTree(
            body(
                call(
                        replicaA,
                        HttpMethod.POST,
                        "/admin/keys/" + minted.path("id").asString() + "/rotate",
                        SUPER,
                        "{\"overlapSeconds\":3}")
                    .expectStatus()
                    .isCreated()));
    String successor = rotated.path("key").asString();
    assertThat(successor).startsWith("tw-").isNotEqualTo(old);
    assertThat(rotated.path("rotatedFrom").asString()).isEqualTo(minted.path("id").asString());
    assertThat(models(replicaBClient, successor).getStatus().value()).isEqualTo(200);
    assertThat(models(replicaBClient, old).getStatus().value()).isEqualTo(200);
    assertThat(models(replicaA, old).getStatus().value()).isEqualTo(200);

    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> models(replicaBClient, old).getStatus().value() == 401);
    EntityExchangeResult<byte[]> onA = models(replicaA, old);
    JsonNode refused = json.readTree(onA.getResponseBody());
    assertThat(refused.path("error").path("code").asString())
        .as("replica A: %s %s", onA.getStatus(), refused)
        .isEqualTo("api_key_expired");
    assertThat(refused.path("error").path("message").asString())
        .contains("expired")
        .contains(rotated.path("id").asString());
    assertThat(models(replicaA, successor).getStatus().value()).isEqualTo(200);

    JsonNode oldView =
        json.readTree(
            body(
                call(
                    replicaA,
                    HttpMethod.GET,
                    "/admin/keys/" + minted.path("id").asString(),
                    SUPER,
                    null)));
    assertThat(oldView.path("status").asString()).isEqualTo("expired");
    assertThat(oldView.path("rotatedTo").asString()).isEqualTo(rotated.path("id").asString());
  }

  /** A key past its {@code expiresAt} is refused with a 401 that says it expired. */
  @Test
  void anExpiredKeyIsRefusedSayingSo() {
    String expires = Instant.now().plus(Duration.ofSeconds(2)).toString();
    String key =
        mint(SUPER, "{\"tenant\":\"acme\",\"expiresAt\":\"" + expires + "\"}")
            .path("key")
            .asString();
    assertThat(models(replicaA, key).getStatus().value()).isEqualTo(200);
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> models(replicaA, key).getStatus().value() == 401);
    JsonNode refused = json.readTree(models(replicaBClient, key).getResponseBody());
    assertThat(refused.path("error").path("code").asString()).isEqualTo("api_key_expired");
    assertThat(refused.path("error").path("message").asString())
        .contains("expired at " + expires.substring(0, 19));
  }

  /**
   * A tenant admin token acts on its own tenant only: 403 for another tenant's keys, budgets and
   * audit, which stay as they were; the audit log it reads holds its tenant's entries only. Without
   * a valid token every call is 401, and a revoked admin token stops working at once.
   */
  @Test
  void tenantAdminsActOnTheirOwnTenantOnly() {
    call(replicaA, HttpMethod.GET, "/admin/keys", null, null).expectStatus().isUnauthorized();
    call(replicaA, HttpMethod.GET, "/admin/keys", "wrong", null)
        .expectStatus()
        .isUnauthorized()
        .expectHeader()
        .contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
    JsonNode adminToken =
        json.readTree(
            body(
                call(
                        replicaA,
                        HttpMethod.POST,
                        "/admin/admin-tokens",
                        SUPER,
                        "{\"tenant\":\"acme\"}")
                    .expectStatus()
                    .isCreated()));
    String acmeAdmin = adminToken.path("token").asString();
    JsonNode globexKey = mint(SUPER, "{\"tenant\":\"globex\"}");
    String globexId = globexKey.path("id").asString();

    JsonNode acmeKey = mint(acmeAdmin, "{\"tenant\":\"acme\",\"app\":\"billing\"}");
    assertThat(acmeKey.path("tenant").asString()).isEqualTo("acme");
    call(replicaA, HttpMethod.POST, "/admin/keys", acmeAdmin, "{\"tenant\":\"globex\"}")
        .expectStatus()
        .isForbidden()
        .expectBody()
        .jsonPath("$.title")
        .value(title -> assertThat(title.toString()).contains("acme").contains("globex"));
    call(replicaA, HttpMethod.GET, "/admin/keys?tenant=globex", acmeAdmin, null)
        .expectStatus()
        .isForbidden();
    call(replicaA, HttpMethod.GET, "/admin/keys/" + globexId, acmeAdmin, null)
        .expectStatus()
        .isForbidden();
    call(replicaA, HttpMethod.POST, "/admin/keys/" + globexId + "/revoke", acmeAdmin, null)
        .expectStatus()
        .isForbidden();
    call(replicaA, HttpMethod.PUT, "/admin/tenants/globex/budget", acmeAdmin, "{\"hardUsd\":1}")
        .expectStatus()
        .isForbidden();
    call(replicaA, HttpMethod.PUT, "/admin/tenants/acme/budget", acmeAdmin, "{\"hardUsd\":1}")
        .expectStatus()
        .isForbidden();
    call(replicaA, HttpMethod.GET, "/admin/audit?tenant=globex", acmeAdmin, null)
        .expectStatus()
        .isForbidden();
    call(replicaA, HttpMethod.POST, "/admin/admin-tokens", acmeAdmin, "{\"tenant\":\"acme\"}")
        .expectStatus()
        .isForbidden();
    assertThat(models(replicaA, globexKey.path("key").asString()).getStatus().value())
        .isEqualTo(200);

    JsonNode keys =
        json.readTree(body(call(replicaA, HttpMethod.GET, "/admin/keys", acmeAdmin, null)));
    assertThat(keys.path("keys").size()).isEqualTo(1);
    assertThat(keys.path("keys").get(0).path("app").asString()).isEqualTo("billing");
    JsonNode entries = audit(acmeAdmin, "").path("entries");
    assertThat(entries.size()).isEqualTo(2);
    List<String> actions = new ArrayList<>();
    entries.forEach(
        e -> actions.add(e.path("action").asString() + "/" + e.path("admin").asString()));
    assertThat(actions)
        .containsExactly(
            "key.mint/" + adminToken.path("id").asString(), "admin-token.mint/super-admin");
    assertThat(audit(SUPER, "").path("entries").size()).isEqualTo(3);

    call(
            replicaA,
            HttpMethod.POST,
            "/admin/admin-tokens/" + adminToken.path("id").asString() + "/revoke",
            SUPER,
            null)
        .expectStatus()
        .isOk();
    call(replicaA, HttpMethod.GET, "/admin/keys", acmeAdmin, null).expectStatus().isUnauthorized();
  }

  /**
   * Bad bodies get a 400 problem naming what is wrong, an oversized one a 413, and none of them
   * mints a key or writes to the audit log.
   */
  @Test
  void badInputIsRefusedNamingTheProblemAndChangesNothing() {
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("{not json", "not valid JSON");
    cases.put("[1]", "JSON object");
    cases.put("{}", "'tenant' is required");
    cases.put("{\"tenant\":\"acme\",\"colour\":\"red\"}", "Unknown field 'colour'");
    cases.put("{\"tenant\":\"acme\",\"replenishRate\":\"fast\"}", "'replenishRate'");
    cases.put("{\"tenant\":\"acme\",\"replenishRate\":5,\"burstCapacity\":2}", "'burstCapacity'");
    cases.put("{\"tenant\":\"acme\",\"tokenBurst\":20}", "'tokenBurst' needs 'tokensPerMinute'");
    cases.put("{\"tenant\":\"a b\"}", "'tenant'");
    cases.put("{\"tenant\":\"acme\",\"expiresAt\":\"tomorrow\"}", "'expiresAt'");
    cases.put("{\"tenant\":\"acme\",\"expiresAt\":\"2001-01-01T00:00:00Z\"}", "in the future");
    cases.put("{\"tenant\":\"acme\",\"models\":[\"a,b\"]}", "'models'");
    cases.put("{\"tenant\":\"acme\",\"budgetUsd\":-1}", "'budgetUsd'");
    cases.put("{\"tenant\":\"acme\",\"budgetUsd\":\"lots\"}", "'budgetUsd'");
    cases.forEach(
        (body, problem) ->
            call(replicaA, HttpMethod.POST, "/admin/keys", SUPER, body)
                .expectStatus()
                .isBadRequest()
                .expectHeader()
                .contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.title")
                .value(title -> assertThat(title.toString()).as(body).contains(problem)));
    call(
            replicaA,
            HttpMethod.POST,
            "/admin/keys",
            SUPER,
            "{\"tenant\":\"acme\",\"app\":\"" + "x".repeat(20_000) + "\"}")
        .expectStatus()
        .isEqualTo(413);

    String id = mint(SUPER, "{\"tenant\":\"acme\",\"replenishRate\":2}").path("id").asString();
    call(replicaA, HttpMethod.PATCH, "/admin/keys/" + id, SUPER, "{\"burstCapacity\":1}")
        .expectStatus()
        .isBadRequest();
    call(
            replicaA,
            HttpMethod.POST,
            "/admin/keys/" + id + "/rotate",
            SUPER,
            "{\"overlapSeconds\":-1}")
        .expectStatus()
        .isBadRequest();
    call(
            replicaA,
            HttpMethod.PUT,
            "/admin/tenants/acme/budget",
            SUPER,
            "{\"hardUsd\":1,\"softUsd\":2}")
        .expectStatus()
        .isBadRequest();
    call(replicaA, HttpMethod.PATCH, "/admin/keys/" + id, SUPER, "{\"budgetUsd\":0}")
        .expectStatus()
        .isBadRequest();
    call(replicaA, HttpMethod.PUT, "/admin/tenants/acme/limits", SUPER, "{\"replenishRate\":0}")
        .expectStatus()
        .isBadRequest();
    call(replicaA, HttpMethod.PUT, "/admin/tenants/acme/limits", SUPER, "{\"rate\":5}")
        .expectStatus()
        .isBadRequest();
    call(replicaA, HttpMethod.GET, "/admin/reports/..%2Fadmin", SUPER, null)
        .expectStatus()
        .is4xxClientError();
    call(replicaA, HttpMethod.GET, "/admin/audit?limit=0", SUPER, null)
        .expectStatus()
        .isBadRequest();
    call(replicaA, HttpMethod.GET, "/admin/audit?cursor=nope", SUPER, null)
        .expectStatus()
        .isBadRequest();
    call(replicaA, HttpMethod.GET, "/admin/keys/key_0000000000000000", SUPER, null)
        .expectStatus()
        .isNotFound();

    JsonNode keys = json.readTree(body(call(replicaA, HttpMethod.GET, "/admin/keys", SUPER, null)));
    assertThat(keys.path("keys").size()).isEqualTo(1);
    assertThat(keys.path("keys").get(0).path("replenishRate").asInt()).isEqualTo(2);
    assertThat(keys.path("keys").get(0).has("budgetUsd")).isFalse();
    assertThat(
            json.readTree(body(call(replicaA, HttpMethod.GET, "/admin/tenants/acme", SUPER, null)))
                .path("limits")
                .isEmpty())
        .isTrue();
    JsonNode entries = audit(SUPER, "").path("entries");
    assertThat(entries.size()).isEqualTo(1);
    assertThat(entries.get(0).path("action").asString()).isEqualTo("key.mint");
  }

  /**
   * A budget set through the admin API is enforced by both replicas (a hard cap of 0 refuses the
   * next request with 402) and cleared again; the audit log pages newest first.
   */
  @Test
  void tenantBudgetsSetAtRunTimeAreEnforcedEverywhere() {
    String key = mint(SUPER, "{\"tenant\":\"acme\"}").path("key").asString();
    assertThat(chat(replicaBClient, key).getStatus().value()).isEqualTo(200);

    JsonNode set =
        json.readTree(
            body(
                call(
                    replicaA,
                    HttpMethod.PUT,
                    "/admin/tenants/acme/budget",
                    SUPER,
                    "{\"hardUsd\":0,\"softUsd\":0}")));
    assertThat(set.path("budget").path("source").asString()).isEqualTo("admin");
    await()
        .atMost(Duration.ofSeconds(6))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> chat(replicaBClient, key).getStatus().value() == 402);
    assertThat(
            json.readTree(chat(replicaA, key).getResponseBody())
                .path("error")
                .path("code")
                .asString())
        .isEqualTo("budget_exceeded");
    JsonNode tenant =
        json.readTree(body(call(replicaA, HttpMethod.GET, "/admin/tenants/acme", SUPER, null)));
    assertThat(tenant.path("budget").path("hardUsd").asString()).isEqualTo("0");
    assertThat(tenant.path("keys").asInt()).isEqualTo(1);

    call(replicaA, HttpMethod.DELETE, "/admin/tenants/acme/budget", SUPER, null)
        .expectStatus()
        .isOk();
    await()
        .atMost(Duration.ofSeconds(6))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> chat(replicaBClient, key).getStatus().value() == 200);

    JsonNode first = audit(SUPER, "?limit=2");
    List<String> actions = new ArrayList<>();
    first.path("entries").forEach(e -> actions.add(e.path("action").asString()));
    JsonNode second = audit(SUPER, "?limit=2&cursor=" + first.path("nextCursor").asString());
    second.path("entries").forEach(e -> actions.add(e.path("action").asString()));
    assertThat(actions).containsExactly("tenant.budget.clear", "tenant.budget.set", "key.mint");
    assertThat(second.path("nextCursor").isNull()).isTrue();
  }

  /**
   * A tenant's request rate limit, set at run time, is shared by all its keys across both replicas:
   * with one request per second and a burst of two, two keys of the tenant get three requests
   * between them before one is refused with a 429 naming the tenant; without the limit they are
   * served again. A bad limit changes nothing.
   */
  @Test
  void aTenantsRateLimitIsSharedByItsKeysOnEveryReplica() {
    String first = mint(SUPER, "{\"tenant\":\"acme\"}").path("key").asString();
    String second = mint(SUPER, "{\"tenant\":\"acme\"}").path("key").asString();
    call(replicaA, HttpMethod.PUT, "/admin/tenants/acme/limits", SUPER, "{\"burstCapacity\":2}")
        .expectStatus()
        .isBadRequest();
    call(
            replicaA,
            HttpMethod.PUT,
            "/admin/tenants/acme/limits",
            SUPER,
            "{\"replenishRate\":1,\"burstCapacity\":2}")
        .expectStatus()
        .isOk();
    // every replica reads the tenant's settings again within 5 s; the first refusal proves it
    List<String> keys = List.of(first, second);
    java.util.concurrent.atomic.AtomicInteger calls =
        new java.util.concurrent.atomic.AtomicInteger();
    EntityExchangeResult<byte[]> refused =
        await()
            .atMost(Duration.ofSeconds(8))
            .pollInterval(Duration.ofMillis(100))
            .until(
                () -> {
                  int n = calls.getAndIncrement();
                  return models(n % 2 == 0 ? replicaBClient : replicaA, keys.get(n % 2));
                },
                r -> r.getStatus().value() == 429);
    assertThat(new String(refused.getResponseBody(), java.nio.charset.StandardCharsets.UTF_8))
        .contains("of this tenant");
    JsonNode tenant =
        json.readTree(body(call(replicaA, HttpMethod.GET, "/admin/tenants/acme", SUPER, null)));
    assertThat(tenant.path("limits").path("replenishRate").asInt()).isEqualTo(1);
    assertThat(tenant.path("limits").path("burstCapacity").asInt()).isEqualTo(2);
    // another tenant is not held by acme's limit
    String other = mint(SUPER, "{\"tenant\":\"globex\"}").path("key").asString();
    assertThat(models(replicaA, other).getStatus().value()).isEqualTo(200);

    call(replicaA, HttpMethod.DELETE, "/admin/tenants/acme/limits", SUPER, null)
        .expectStatus()
        .isOk();
    await()
        .atMost(Duration.ofSeconds(8))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                models(replicaBClient, first).getStatus().value() == 200
                    && models(replicaBClient, first).getStatus().value() == 200
                    && models(replicaBClient, first).getStatus().value() == 200);
    assertThat(audit(SUPER, "?limit=1").path("entries").path(0).path("action").asString())
        .isEqualTo("tenant.limits.clear");
  }

  /**
   * A change and its audit entries are written together or not at all: when the tenant's audit
   * stream cannot be written (its key holds a string), a mint, a revoke and a budget change each
   * answer 500 naming the problem, and none of them is applied, nor is anything audited in the
   * overall stream.
   */
  @Test
  void aChangeWhoseAuditEntryCannotBeWrittenIsNotApplied() {
    JsonNode minted = mint(SUPER, "{\"tenant\":\"acme\"}");
    String key = minted.path("key").asString();
    redis.opsForValue().set("tokenwise:admin:audit:globex", "not a stream").block();
    redis.delete("tokenwise:admin:audit:acme").block();
    redis.opsForValue().set("tokenwise:admin:audit:acme", "not a stream").block();

    call(replicaA, HttpMethod.POST, "/admin/keys", SUPER, "{\"tenant\":\"globex\"}")
        .expectStatus()
        .isEqualTo(500)
        .expectBody()
        .jsonPath("$.title")
        .value(
            title ->
                assertThat(title.toString())
                    .contains("nothing was changed")
                    .contains("tokenwise:admin:audit:globex"));
    call(
            replicaA,
            HttpMethod.POST,
            "/admin/keys/" + minted.path("id").asString() + "/revoke",
            SUPER,
            null)
        .expectStatus()
        .isEqualTo(500);
    call(replicaA, HttpMethod.PUT, "/admin/tenants/acme/budget", SUPER, "{\"hardUsd\":0}")
        .expectStatus()
        .isEqualTo(500);

    assertThat(redis.opsForSet().size("tokenwise:admin:tenant-keys:globex").block()).isZero();
    assertThat(models(replicaA, key).getStatus().value()).isEqualTo(200);
    JsonNode read =
        json.readTree(
            body(
                call(
                    replicaA,
                    HttpMethod.GET,
                    "/admin/keys/" + minted.path("id").asString(),
                    SUPER,
                    null)));
    assertThat(read.path("status").asString()).isEqualTo("active");
    assertThat(
            json.readTree(body(call(replicaA, HttpMethod.GET, "/admin/tenants/acme", SUPER, null)))
                .path("budget")
                .path("source")
                .asString())
        .isEqualTo("none");
    JsonNode entries = audit(SUPER, "").path("entries");
    assertThat(entries.size()).isEqualTo(1);
    assertThat(entries.get(0).path("action").asString()).isEqualTo("key.mint");
    assertThat(chat(replicaBClient, key).getStatus().value()).isEqualTo(200);
  }

  private WebTestClient replicaB() {
    return replicaBClient;
  }

  private JsonNode mint(String token, String body) {
    return json.readTree(
        body(
            call(replicaA, HttpMethod.POST, "/admin/keys", token, body)
                .expectStatus()
                .isCreated()));
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

  private static EntityExchangeResult<byte[]> models(WebTestClient client, String key) {
    return client
        .get()
        .uri("/v1/models")
        .header("Authorization", "Bearer " + key)
        .exchange()
        .expectBody()
        .returnResult();
  }

  private EntityExchangeResult<byte[]> chat(WebTestClient client, String key) {
    return client
        .post()
        .uri("/v1/chat/completions")
        .header("Authorization", "Bearer " + key)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            "{\"model\":\"gpt-5-mini\",\"max_completion_tokens\":20,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
        .exchange()
        .expectBody()
        .returnResult();
  }

  private static WebTestClient client(int port) {
    return WebTestClient.bindToServer()
        .baseUrl("http://localhost:" + port)
        .responseTimeout(Duration.ofSeconds(60))
        .build();
  }
}
