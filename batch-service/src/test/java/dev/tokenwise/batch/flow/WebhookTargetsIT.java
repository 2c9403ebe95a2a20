package dev.tokenwise.batch.flow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.testsupport.RealServers;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Webhook targets a client can set are no way into the cluster: loopback, private, link-local,
 * metadata and IPv6 loopback addresses, and a name that resolves to loopback, are refused at intake
 * with a problem naming {@code webhookUrl} and nothing stored; a target that passed intake and now
 * resolves to loopback (DNS rebinding, simulated by re-pointing the stored URL) is refused at
 * connect time and abandoned without a retry or a byte sent. This context admits no private network
 * (the other flow tests admit 127.0.0.0/8 for their receivers).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers
class WebhookTargetsIT extends BatchTestSupport {

  static {
    // this class's context admits only a documentation block nothing here listens on
    allowedWebhookNetwork = "192.0.2.0/24";
  }

  @DynamicPropertySource
  static void ownContext(DynamicPropertyRegistry registry) {
    // a property of its own keeps this context apart from the other flow tests' cached one
    registry.add("tokenwise.batch.webhook.interval", () -> "6s");
  }

  @AfterAll
  static void admitThisMachineAgain() {
    allowedWebhookNetwork = "127.0.0.0/8";
  }

  @Test
  void internalTargetsAreRefusedAtIntakeAndNothingIsStored() {
    List<String> refused =
        List.of(
            "http://127.0.0.1:8083/hooks",
            "http://10.0.0.1/hooks",
            "http://172.16.5.4/hooks",
            "http://192.168.1.1/hooks",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]:8080/hooks",
            "http://[::ffff:127.0.0.1]/hooks",
            "http://[fd00::1]/hooks",
            "http://0.0.0.0:8080/hooks",
            "http://100.64.0.1/hooks",
            "http://localhost:8083/hooks");
    int refusals = 0;
    for (String url : refused) {
      ObjectNode submission = deferred("openai", "openai", "x");
      submission.put("webhookUrl", url);
      ResponseEntity<String> answer = post(submission);
      assertThat(answer.getStatusCode().value()).as(url).isEqualTo(400);
      JsonNode problem = json.readTree(answer.getBody());
      assertThat(problem.path("field").asString()).as(url).isEqualTo("webhookUrl");
      assertThat(problem.path("detail").asString()).as(url).contains("refused");
      refusals++;
    }
    assertThat(count("select count(*) from batch.deferred_request")).isZero();
    System.out.printf(
        "webhook targets: %d cases, %d refused at intake%n", refused.size(), refusals);
  }

  @Test
  void aTargetThatNowResolvesToLoopbackIsRefusedAtConnectTimeAndAbandoned() {
    ObjectNode submission = deferred("openai", "openai", "Rebound");
    // a public address at intake (TEST-NET-3: nothing is ever sent there; the URL is re-pointed)
    submission.put("webhookUrl", "http://203.0.113.10/hooks");
    String id = submit(submission);
    // re-pointed before anything is delivered: the name now resolves to this machine
    jdbc.update(
        "update batch.deferred_request set webhook_url = ? where id = ?::uuid",
        provider.baseUrl() + "/hooks",
        id);
    int hooksBefore = provider.hooks.size();

    runAll();

    assertThat(job(id).path("webhook").asString()).isEqualTo("abandoned");
    assertThat(
            jdbc.queryForObject(
                "select webhook_error from batch.deferred_request where id = ?::uuid",
                String.class,
                id))
        .startsWith("refused:")
        .contains("loopback");
    assertThat(provider.hooks).hasSize(hooksBefore);
  }

  private ResponseEntity<String> post(ObjectNode submission) {
    return http()
        .post()
        .uri("/internal/deferred")
        .contentType(MediaType.APPLICATION_JSON)
        .body(submission.toString())
        .retrieve()
        .onStatus(s -> true, (request, response) -> {})
        .toEntity(String.class);
  }
}
