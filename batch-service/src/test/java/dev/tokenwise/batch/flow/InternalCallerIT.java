package dev.tokenwise.batch.flow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestServiceTokens;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * batch-service as an attacker inside the cluster sees it: no deferred request, job view or team
 * batch without a valid service token from the router, and none for a tenant the token does not
 * name. Each refusal stores nothing.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers
class InternalCallerIT extends BatchTestSupport {

  private static final AtomicInteger CASES = new AtomicInteger();
  private static final AtomicInteger REFUSED = new AtomicInteger();

  @AfterAll
  static void printCount() {
    System.out.printf(
        "batch-service adversarial cases: %d, refused: %d%n", CASES.get(), REFUSED.get());
  }

  @Test
  void aDeferredRequestNeedsTheRoutersTokenForItsOwnTenant() {
    ObjectNode victims = deferred("openai", "openai", "Whose budget is this?");
    victims.put("tenant", "victim");
    String expired =
        new ServiceTokens(
                TestServiceTokens.secret(),
                ServiceTokens.ROUTER,
                Clock.fixed(Instant.now().minusSeconds(600), ZoneOffset.UTC))
            .mint(ServiceTokens.BATCH, "victim");
    String forged =
        new ServiceTokens("not-this-deployments-secret-0123456789", ServiceTokens.ROUTER, clock())
            .mint(ServiceTokens.BATCH, "victim");
    refused(submit(victims, ""), 401, "service_token_missing");
    refused(submit(victims, "tw1.x"), 401, "service_token_malformed");
    refused(submit(victims, forged), 401, "service_token_invalid");
    refused(submit(victims, expired), 401, "service_token_expired");
    refused(
        submit(
            victims, TestServiceTokens.token(ServiceTokens.ROUTER, ServiceTokens.CACHE, "victim")),
        401,
        "service_token_wrong_audience");
    refused(submit(victims, BatchTestSupport.routerToken("mallory")), 403, "caller_not_allowed");
    refused(
        submit(victims, TestServiceTokens.token(ServiceTokens.COST, ServiceTokens.BATCH, "victim")),
        403,
        "caller_not_allowed");
    refused(
        submit(
            victims,
            TestServiceTokens.token(
                ServiceTokens.ROUTER, ServiceTokens.BATCH, ServiceTokens.ANY_TENANT)),
        403,
        "caller_not_allowed");
    assertThat(count("select count(*) from batch.deferred_request")).isZero();
  }

  @Test
  void aJobIsVisibleOnlyToItsTenant() {
    String id = submit(deferred("openai", "openai", "Mine"));
    CASES.incrementAndGet();
    ResponseEntity<String> asMallory =
        raw()
            .get()
            .uri("/v1/jobs/{id}", id)
            .header(ServiceTokens.HEADER, BatchTestSupport.routerToken("mallory"))
            .retrieve()
            .toEntity(String.class);
    assertThat(asMallory.getStatusCode().value()).isEqualTo(404);
    REFUSED.incrementAndGet();
    refused(raw().get().uri("/v1/jobs/{id}", id).retrieve().toEntity(String.class), 401, null);
    assertThat(job(id).path("id").asString()).isEqualTo(id);
  }

  @Test
  void teamBatchesNeedATokenForTheTenantTheyName() {
    refused(
        raw()
            .get()
            .uri("/v1/batches/batch_x")
            .header("Tokenwise-Tenant", "victim")
            .retrieve()
            .toEntity(String.class),
        401,
        "service_token_missing");
    refused(
        raw()
            .post()
            .uri("/v1/batches")
            .header("Tokenwise-Tenant", "victim")
            .header(ServiceTokens.HEADER, BatchTestSupport.routerToken("mallory"))
            .contentType(MediaType.APPLICATION_JSON)
            .body("{\"input_file_id\":\"file-x\",\"endpoint\":\"/v1/chat/completions\"}")
            .retrieve()
            .toEntity(String.class),
        403,
        "caller_not_allowed");
    refused(
        raw()
            .get()
            .uri("/v1/files/file-x")
            .header("Tokenwise-Tenant", "victim")
            .header(ServiceTokens.HEADER, BatchTestSupport.routerToken("mallory"))
            .retrieve()
            .toEntity(String.class),
        403,
        "caller_not_allowed");
    assertThat(count("select count(*) from batch.deferred_request")).isZero();
  }

  private ResponseEntity<String> submit(ObjectNode submission, String token) {
    RestClient.RequestBodySpec spec =
        raw().post().uri("/internal/deferred").contentType(MediaType.APPLICATION_JSON);
    if (!token.isEmpty()) {
      spec = spec.header(ServiceTokens.HEADER, token);
    }
    return spec.body(submission.toString()).retrieve().toEntity(String.class);
  }

  private void refused(ResponseEntity<String> answer, int status, String code) {
    CASES.incrementAndGet();
    assertThat(answer.getStatusCode().value()).as(answer.getBody()).isEqualTo(status);
    if (code != null) {
      JsonNode problem = json.readTree(answer.getBody());
      assertThat(problem.path("code").asString()).isEqualTo(code);
    }
    REFUSED.incrementAndGet();
  }

  /** A client that sends exactly the headers given: no token added. */
  private RestClient raw() {
    return RestClient.builder()
        .baseUrl("http://localhost:" + port)
        .defaultStatusHandler(status -> true, (request, response) -> {})
        .build();
  }

  private static Clock clock() {
    return Clock.systemUTC();
  }
}
